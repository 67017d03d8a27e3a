import { afterAll } from "vitest";
import { setProgressSink } from "../../lib/util/progress";
import { removeFreshResults } from "./env";

// Progress lines would interleave across parallel test files; tests check results, not progress.
setProgressSink(null);

// Runs after the file's own hooks (vitest runs after-hooks in reverse order of registration).
afterAll(removeFreshResults);
