import { beforeAll, describe, expect, it } from "vitest";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadWeights, runDir } from "../lib/store/runs";
import { ensureRun } from "../lib/materialise/run";
import { branchAt, copies } from "../lib/lmc/instability";
import { linearPath } from "../lib/lmc/path";
import { tinyRun } from "./support/tiny";
import { freshResults } from "./support/env";
import { setProgressSink } from "../lib/util/progress";
import { RunConfig } from "../lib/store/run-config";

const expectSameWeights = (a: ReturnType<typeof loadWeights>, b: ReturnType<typeof loadWeights>) => {
  for (const name of Object.keys(a)) expect(b[name].data).toEqual(a[name].data);
};

describe("the run cache", () => {
  beforeAll(() => {
    freshResults();
  });

  it("trains once, saves requested checkpoints, and reuses a finished run", async () => {
    const config = tinyRun();
    const saved: number[] = [];
    const first = await ensureRun(config, { checkpoints: [0, 20], onSaved: (s) => saved.push(s) });
    expect(saved).toEqual([20, 60]);
    const files = readdirSync(runDir(config)).sort();
    expect(files).toEqual(["config.json", "run.json", "step-0.safetensors", "step-20.safetensors", "step-60.safetensors"]);
    const again: number[] = [];
    const second = await ensureRun(config, { checkpoints: [0, 20], onSaved: (s) => again.push(s) });
    expect(again).toEqual([]);
    expect(second).toEqual(first);
  });

  it("resumes an interrupted run to the same weights as an uninterrupted one", async () => {
    const reference = tinyRun({ initSeed: 2 });
    await ensureRun(reference);
    const expected = loadWeights(reference, 60);

    const root = freshResults();
    const abort = new AbortController();
    const events: string[] = [];
    const interrupted = ensureRun(reference, {
      resumeEvery: 20,
      signal: abort.signal,
      onSaved: (s, kind) => {
        events.push(`${kind}@${s}`);
        if (s === 40) abort.abort();
      },
    });
    await expect(interrupted).rejects.toThrow(/interrupted at step 40/);
    expect(events).toEqual(["resume@20", "resume@40"]);
    expect(existsSync(join(root, "runs", readdirSync(join(root, "runs"))[0], "run.json"))).toBe(false);

    const resumed: string[] = [];
    await ensureRun(reference, { resumeEvery: 20, onSaved: (s, kind) => resumed.push(`${kind}@${s}`) });
    expect(resumed).toEqual(["checkpoint@60"]); // continued from 40: no resume state at 20 again
    expectSameWeights(expected, loadWeights(reference, 60));
  });

  it("recomputes a checkpoint requested after the run finished, without changing the result", async () => {
    const config = tinyRun({ initSeed: 3 });
    await ensureRun(config);
    const final = loadWeights(config, 60);
    await ensureRun(config, { checkpoints: [30] });
    expectSameWeights(final, loadWeights(config, 60));
    expect(existsSync(join(runDir(config), "step-30.safetensors"))).toBe(true);
  });

  it("discards a corrupt checkpoint and recomputes it", async () => {
    const config = tinyRun({ initSeed: 4 });
    await ensureRun(config, { checkpoints: [30] });
    const good = loadWeights(config, 30);
    writeFileSync(join(runDir(config), "step-30.safetensors"), "garbage");
    await ensureRun(config, { checkpoints: [30] });
    expectSameWeights(good, loadWeights(config, 30));
  });

  it("branches copies from a parent's checkpoint, and the path's endpoints are the copies' own errors", async () => {
    const parent = tinyRun({ initSeed: 5 });
    const [a, b] = copies(branchAt(parent, 20), [1, 2]);
    const path = await linearPath(a, b, { alphas: [0, 0.5, 1], trainEvalSubset: 300 });
    const sa = await ensureRun(a);
    const sb = await ensureRun(b);
    expect(path.test.errors[2]).toBe(sa.test.error); // alpha = 1 is a
    expect(path.test.errors[0]).toBe(sb.test.error);
    expect(path.test.meanBarrier).toBeCloseTo(Math.max(...path.test.errors) - (sa.test.error + sb.test.error) / 2, 12);
    // The copies differ (different data orders) but both start from the parent's weights at step 20.
    expect(loadWeights(a, 60)["fc1.weight"].data).not.toEqual(loadWeights(b, 60)["fc1.weight"].data);
    expect(readdirSync(runDir(parent))).toContain("step-20.safetensors");
  });

  it("labels the runs it trains on the way with the task that needs them: an IMP chain's dense parent and levels", async () => {
    const dense = tinyRun({ initSeed: 7 });
    const level = (source: RunConfig): RunConfig => tinyRun({ initSeed: 7, from: { run: dense, step: 10 }, mask: { kind: "magnitude", source, fraction: 0.5, scope: "global" } });
    const lines: string[] = [];
    setProgressSink((line, final) => final && lines.push(line));
    try {
      await ensureRun(level(level(dense)), { label: "IMP chain" });
    } finally {
      setProgressSink(null);
    }
    // Each once: the parent is trained with its rewind point before the first mask is pruned from it.
    expect(lines.map((l) => l.split(" done ")[0])).toEqual(["IMP chain: dense parent", "IMP chain: level 1", "IMP chain"]);
  });
});
