import { realpathSync } from "node:fs";
import { resolve } from "node:path";

/** The repository root (this file is lib/store/paths.ts; notebooks reach lib/ through a symlink). */
export const REPO_ROOT = resolve(realpathSync(__dirname), "..", "..");

/** Where results go: `LOTTERY_RESULTS` or the repository's results/ folder. */
export function resultsDir(): string {
  return process.env.LOTTERY_RESULTS ? resolve(process.env.LOTTERY_RESULTS) : resolve(REPO_ROOT, "results");
}

export function runsDir(): string {
  return resolve(resultsDir(), "runs");
}

export function cacheDir(): string {
  return resolve(resultsDir(), "cache");
}
