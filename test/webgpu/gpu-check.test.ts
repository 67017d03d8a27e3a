import { expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { LAVAPIPE_ICD } from "../../lib/webgpu/driver";
import { describeOnWebgpu } from "./support";

/**
 * The GPU check's kit (scripts/gpu-check/) builds, and runs its smoke check (one step of each row at batch 4)
 * here on lavapipe, from a folder outside the repository: what it needs on a GPU machine is in it.
 */
const root = resolve(__dirname, "..", "..");

describeOnWebgpu("the GPU check", () => {
  it("builds its kit and runs the smoke check from it", () => {
    const out = mkdtempSync(join(tmpdir(), "gpu-check-"));
    const cwd = mkdtempSync(join(tmpdir(), "gpu-check-run-"));
    try {
      check(out, cwd);
    } finally {
      // The kit holds a copy of Node (100 MB).
      for (const dir of [out, cwd]) rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

/** Builds the kit into `out` and runs its smoke check in `cwd`. */
function check(out: string, cwd: string): void {
  const build = spawnSync("bash", [join(root, "scripts/gpu-check/build.sh"), "--no-tar"], { encoding: "utf8", env: { ...process.env, GPU_CHECK_OUT: out } });
  expect(build.status, build.stderr).toBe(0);
  const env: NodeJS.ProcessEnv = { ...process.env, VK_DRIVER_FILES: process.env.VK_DRIVER_FILES ?? LAVAPIPE_ICD };
  delete env.LOTTERY_BACKEND;
  const run = spawnSync(join(out, "kit", "run.sh"), ["--smoke"], { cwd, encoding: "utf8", env });
  expect(run.status, run.stderr).toBe(0);
  for (const row of ["lenet-step", "conv2-step", "resnet20-step"]) expect(run.stdout).toMatch(new RegExp(`${row} +batch +4: [0-9.]+ steps/s`));
  const results = JSON.parse(readFileSync(join(cwd, "gpu-check-results.json"), "utf8"));
  expect(results.backend.name).toBe("webgpu");
  expect(results.pytorch).toEqual({ skipped: "--smoke" });
}
