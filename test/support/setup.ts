import { setProgressSink } from "../../lib/util/progress";

// Progress lines would interleave across parallel test files; tests check results, not progress.
setProgressSink(null);
