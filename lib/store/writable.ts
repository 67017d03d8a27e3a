import { rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { resultsDir } from "./paths";
import { ensureDir, notAFolder, temporaryTag, writeFileAtomic } from "../util/atomic";

/** The folders the store and the figures write into, directly under the results folder. */
const FOLDERS = ["runs", "masks", "cache", "figures", "slurm", "search"];

/**
 * Fails with one line before any work starts when the results folder cannot be written, or it or one of
 * its folders is a file (nothing computed is lost).
 */
export function checkResultsWritable(): void {
  const dir = resultsDir();
  ensureDir(dir);
  for (const name of FOLDERS) {
    const path = join(dir, name);
    let isFile = false;
    try {
      isFile = !statSync(path).isDirectory();
    } catch {
      /* missing: created when needed */
    }
    if (isFile) throw notAFolder(path);
  }
  const probe = join(dir, `.write-probe-${temporaryTag()}`);
  writeFileAtomic(probe, "");
  rmSync(probe, { force: true });
}
