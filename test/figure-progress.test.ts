import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { figureLine, taskFinished, trackFigure, waveStarted } from "../lib/parallel/figure-progress";
import { RunConfig } from "../lib/store/run-config";
import { writeSummary } from "../lib/store/runs";
import { Task } from "../lib/parallel/tasks";
import { tinyRun } from "./support/tiny";

/** The figure's overall line counts every run a task trains, an IMP chain's earlier levels included. */
describe("a figure's progress", () => {
  let dir = "";
  const saved = process.env.LOTTERY_RESULTS;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "figure-progress-"));
    process.env.LOTTERY_RESULTS = dir;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.LOTTERY_RESULTS;
    else process.env.LOTTERY_RESULTS = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  // A dense run of 60 steps and an IMP chain rewound to step 10: each level trains 50 steps.
  const dense = tinyRun();
  const level = (source: RunConfig): RunConfig => tinyRun({ from: { run: dense, step: 10 }, mask: { kind: "magnitude", source, fraction: 0.5, scope: "global" } });
  const level1 = level(dense);
  const level2 = level(level1);
  const level3 = level(level2);
  const chain: Task = { kind: "run", config: level3, label: "IMP chain" };

  it("counts a chain's uncached levels and its dense parent, each once, and finishes them with the chain", async () => {
    await trackFigure("fig", async () => {
      const random: Task = { kind: "run", config: tinyRun({ from: { run: dense, step: 10 }, mask: { kind: "random", like: level3.mask!, seed: 1, mode: "layerwise" } }) };
      waveStarted([chain, random]);
      // dense, levels 1-3 and the random subnetwork, whose mask is IMP's: 5 runs, 60 + 4 x 50 steps.
      expect(figureLine(2)).toMatch(/^fig \(wave 1\): 0\/5 runs done/);
      taskFinished(chain, 1);
      expect(figureLine(2)).toMatch(/^fig \(wave 1\): 4\/5 runs done/);
      taskFinished(random, 1);
      expect(figureLine(2)).toMatch(/^fig \(wave 1\): 5\/5 runs done, .* ETA of the waves so far 0s$/);
    });
  });

  it("leaves out the runs already cached", async () => {
    const summary = { hash: "", finalStep: 60, test: { loss: 1, accuracy: 0.5, error: 0.5 }, wallSeconds: 1, backend: "wasm" };
    writeSummary(dense, summary);
    writeSummary(level1, summary);
    await trackFigure("fig", async () => {
      waveStarted([chain]);
      expect(figureLine(1)).toMatch(/^fig \(wave 1\): 0\/2 runs done/);
    });
  });
});
