import { join } from "node:path";
import { main } from "../lib/cli";
import { OVERVIEW_PATH, resultsOverview } from "../lib/figures/overview";
import { REPO_ROOT } from "../lib/store/paths";
import { writeFileAtomic } from "../lib/util/atomic";

// Writes docs/results.md from the committed cpu results (see lib/figures/overview.ts).
main(async () => {
  writeFileAtomic(join(REPO_ROOT, OVERVIEW_PATH), resultsOverview());
  console.log(`wrote ${OVERVIEW_PATH}`);
});
