import { rmSync } from "node:fs";
import { join } from "node:path";
import { resultsDir } from "./paths";
import { ensureDir, temporaryTag, writeFileAtomic } from "../util/atomic";

/** Fails with one line before any work starts when the results folder cannot be written (nothing computed is lost). */
export function checkResultsWritable(): void {
  const dir = resultsDir();
  ensureDir(dir);
  const probe = join(dir, `.write-probe-${temporaryTag()}`);
  writeFileAtomic(probe, "");
  rmSync(probe, { force: true });
}
