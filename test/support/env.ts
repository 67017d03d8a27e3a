import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made: string[] = [];

/** Points the results folder of this test process at a fresh temporary folder and returns it. */
export function freshResults(): string {
  const dir = mkdtempSync(join(tmpdir(), "lottery-test-"));
  made.push(dir);
  process.env.LOTTERY_RESULTS = dir;
  return dir;
}

/** Removes the folders freshResults made (the setup file does, after each test file): runs and checkpoints pile up otherwise. */
export function removeFreshResults(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
