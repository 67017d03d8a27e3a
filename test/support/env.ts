import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Points the results folder of this test process at a fresh temporary folder and returns it. */
export function freshResults(): string {
  const dir = mkdtempSync(join(tmpdir(), "lottery-test-"));
  process.env.LOTTERY_RESULTS = dir;
  return dir;
}
