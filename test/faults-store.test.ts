import { beforeAll, describe, expect, it, vi } from "vitest";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { loadWeights, runDir } from "../lib/store/runs";
import { ensureRun } from "../lib/materialise/run";
import { linearPath, pathCachePath } from "../lib/lmc/path";
import { copies } from "../lib/lmc/instability";
import { ensureDir, writeFileAtomic } from "../lib/util/atomic";
import { tinyRun } from "./support/tiny";
import { freshResults } from "./support/env";

/** Overwrites `count` bytes at `offset` from the end of the file, keeping its size. */
function damage(path: string, count = 400, offsetFromEnd = 1000): void {
  const bytes = readFileSync(path);
  for (let i = 0; i < count; i++) bytes[bytes.length - offsetFromEnd + i] ^= 0x5a;
  writeFileSync(path, bytes);
}

describe("the run cache under damage", () => {
  beforeAll(() => {
    freshResults();
  });

  it("detects a checkpoint damaged without changing its size, warns, and recomputes it", async () => {
    const config = tinyRun({ initSeed: 11 });
    await ensureRun(config, { checkpoints: [30] });
    const good = loadWeights(config, 30);
    const path = join(runDir(config), "step-30.safetensors");
    const size = readFileSync(path).length;
    damage(path);
    expect(readFileSync(path).length).toBe(size);
    const warnings: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((l) => (warnings.push(String(l)), true));
    try {
      await ensureRun(config, { checkpoints: [30] });
    } finally {
      spy.mockRestore();
    }
    expect(warnings.join("")).toMatch(/discarding .*step-30\.safetensors \(its data does not match the sha256/);
    const again = loadWeights(config, 30);
    for (const name of Object.keys(good)) expect(again[name].data).toEqual(good[name].data);
  });

  it("retrains a run whose run.json was edited", async () => {
    const config = tinyRun({ initSeed: 12 });
    const first = await ensureRun(config);
    const path = join(runDir(config), "run.json");
    writeFileSync(path, readFileSync(path, "utf8").replace(/"accuracy": 0\.(\d)/, (_, d) => `"accuracy": 0.${(Number(d) + 1) % 10}`));
    const spy = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const second = await ensureRun(config);
      expect(second.test).toEqual(first.test);
    } finally {
      spy.mockRestore();
    }
  });

  it("discards a damaged path evaluation and recomputes the same numbers", async () => {
    const [a, b] = copies(tinyRun({ initSeed: 13 }), [1, 2]);
    const options = { alphas: [0, 0.5, 1], trainEvalSubset: 300 };
    const first = await linearPath(a, b, options);
    const path = pathCachePath(a, b, options);
    writeFileSync(path, readFileSync(path, "utf8").replace(/"errors": \[\s*0\.(\d)/, (_, d) => `"errors": [0.${(Number(d) + 1) % 10}`));
    const spy = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect(await linearPath(a, b, options)).toEqual(first);
    } finally {
      spy.mockRestore();
    }
  });

  it("removes temporary files abandoned by a dead process the first time it writes into their folder", () => {
    const dir = mkdtempSync(join(tmpdir(), "lottery-tmp-"));
    const deadPid = 2 ** 22 + 12345; // above Linux's pid_max: never a live process
    writeFileSync(join(dir, `step-5.safetensors.tmp-${deadPid}-abc123`), "partial");
    writeFileSync(join(dir, `run.json.tmp-${hostname()}-${deadPid}-xyz789`), "partial");
    writeFileSync(join(dir, `keep.tmp-${process.pid}-live01`), "ours, in flight");
    writeFileAtomic(join(dir, "new.json"), "{}");
    expect(readdirSync(dir).sort()).toEqual([`keep.tmp-${process.pid}-live01`, "new.json"]);
  });

  it("says that a results folder is not writable, naming it and the fix", () => {
    let folder: string;
    if (process.getuid?.() === 0) folder = "/proc/lottery-lab-results"; // root ignores file modes; /proc takes no new folders
    else {
      folder = mkdtempSync(join(tmpdir(), "lottery-ro-"));
      chmodSync(folder, 0o555);
    }
    expect(() => ensureDir(join(folder, "runs", "abc"))).toThrow(/is not writable .*set LOTTERY_RESULTS to a writable folder/);
  });
});
