import { beforeAll, describe, expect, it } from "vitest";
import { readdirSync } from "node:fs";
import { runTasks, workerCount, workersStarted } from "../lib/parallel/pool";
import { executorRecord } from "../lib/parallel/executor";
import { loadWeights, runDir } from "../lib/store/runs";
import { ensureRun } from "../lib/materialise/run";
import { tinyRun } from "./support/tiny";
import { freshResults } from "./support/env";

describe("the worker pool", () => {
  beforeAll(() => {
    freshResults();
  });

  it("trains runs in worker threads to the same weights as in this thread", async () => {
    const configs = [tinyRun({ initSeed: 21 }), tinyRun({ initSeed: 22 })];
    const summaries = await runTasks(configs.map((config) => ({ kind: "run" as const, config })), 2);
    const fromWorkers = configs.map((c) => loadWeights(c, 60));
    freshResults();
    for (const c of configs) await ensureRun(c);
    configs.forEach((c, i) => {
      expect(summaries[i].hash).toBe(runDir(c).split("/").pop());
      for (const name of Object.keys(fromWorkers[i])) expect(loadWeights(c, 60)[name].data).toEqual(fromWorkers[i][name].data);
    });
  });

  it("trains a run requested twice at once only once", async () => {
    const config = tinyRun({ initSeed: 23 });
    const [a, b] = await runTasks([{ kind: "run" as const, config }, { kind: "run" as const, config }], 2);
    expect(a).toEqual(b);
    expect(readdirSync(runDir(config))).not.toContain("lock");
  });

  it("fails a bad task alone, keeps the others, and says which failed", async () => {
    const good = tinyRun({ initSeed: 24 });
    const bad = tinyRun({ initSeed: 25 }, { lr: -1 });
    await expect(runTasks([{ kind: "run" as const, config: good }, { kind: "run" as const, config: bad, label: "bad lr" }], 2)).rejects.toThrow(
      /1 of 2 tasks failed \(task 2, run "bad lr"\): learning rate -1 must be positive/,
    );
    expect(readdirSync(runDir(good))).toContain("run.json");
  });

  it("keeps its workers from wave to wave, and starts new ones when the environment changes", async () => {
    const wave = (seeds: number[]) => runTasks(seeds.map((initSeed) => ({ kind: "run" as const, config: tinyRun({ initSeed }) })), 2);
    freshResults();
    const before = workersStarted();
    await wave([31, 32]);
    expect(workersStarted()).toBe(before + 2);
    await wave([33, 34]);
    expect(workersStarted()).toBe(before + 2);
    // A worker reads LOTTERY_RESULTS at start-up: after a change, the old ones would write to the old folder.
    const dir = freshResults();
    await wave([35, 36]);
    expect(workersStarted()).toBe(before + 4);
    expect(runDir(tinyRun({ initSeed: 35 })).startsWith(dir)).toBe(true);
    expect(readdirSync(runDir(tinyRun({ initSeed: 35 })))).toContain("run.json");
  });

  it("is sized by LOTTERY_WORKERS", () => {
    process.env.LOTTERY_WORKERS = "3";
    expect(workerCount()).toBe(3);
    // Provenance records how many ran: the local executor's record carries the count.
    expect(executorRecord()).toEqual({ kind: "local", workers: 3, jobIds: [] });
    process.env.LOTTERY_WORKERS = "zero";
    expect(() => workerCount()).toThrow(/LOTTERY_WORKERS="zero" must be a positive integer/);
    delete process.env.LOTTERY_WORKERS;
  });
});
