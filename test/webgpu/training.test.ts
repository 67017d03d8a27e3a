import { afterEach, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { initBackend } from "../../lib/backend";
import { ensureRun } from "../../lib/materialise/run";
import { loadWeights, runDir } from "../../lib/store/runs";
import { impLevel } from "../../lib/prune/imp";
import { linearPath } from "../../lib/lmc/path";
import { evenAlphas } from "../../lib/lmc/barrier";
import { runFigure } from "../../lib/figures/run-figure";
import { figureConfig } from "../../lib/notebook";
import { DenseInstabilityConfig } from "../../lib/figures/protocols/dense-instability";
import { HostParams } from "../../lib/models/params";
import { describeOnWebgpu, relativeError } from "./support";
import { tinyRun } from "../support/tiny";
import { freshResults } from "../support/env";

/**
 * Training, a path and a figure on webgpu, at sizes lavapipe computes in seconds: bit-identical on rerun,
 * named apart from other backends' runs, and close to wasm's numbers (float32 rounding, then 20 SGD steps).
 * The reference is wasm here, not cpu, for speed: the kernels themselves are checked against cpu in kernels.test.ts.
 */
const onWebgpu = process.env.LOTTERY_BACKEND;
afterEach(() => {
  process.env.LOTTERY_BACKEND = onWebgpu;
});

const data = { dataset: "mnist" as const, trainSubset: 600, testSubset: 500 };
const dense = tinyRun({ data }, { steps: 20, warmupSteps: 2, lrDropSteps: [] });
/** IMP level 1: the dense run, its mask (half of fc1 and fc2 by magnitude), and the masked run from step 0. */
const ticket = impLevel({ dense, rewindStep: 0, fraction: 0.5, scope: "global" }, 1);

const expectSameBits = (a: HostParams, b: HostParams) => {
  for (const name of Object.keys(a)) expect(b[name].data, name).toEqual(a[name].data);
};

describeOnWebgpu("training on webgpu", () => {
  it("trains a masked run bit-identically twice, named apart from the same run on wasm, and close to it", async () => {
    expect((await initBackend(dense.model)).name).toBe("webgpu");
    freshResults();
    const summary = await ensureRun(ticket);
    expect(summary.backend).toBe("webgpu");
    const first = loadWeights(ticket, 20);
    // The pruned half of fc1 and fc2 (global magnitude pruning) stays exactly zero through training.
    const prunable = [...first["fc1.weight"].data, ...first["fc2.weight"].data];
    expect(prunable.filter((v) => v === 0).length).toBeGreaterThanOrEqual(Math.floor(prunable.length / 2));
    freshResults();
    await ensureRun(ticket);
    expectSameBits(first, loadWeights(ticket, 20));

    const onGpu = runDir(ticket);
    process.env.LOTTERY_BACKEND = "wasm";
    expect(runDir(ticket)).not.toBe(onGpu);
    await ensureRun(ticket);
    const wasm = loadWeights(ticket, 20);
    // Measured on lavapipe: 3.4e-7 at most after 20 steps (which can amplify rounding); the bound leaves 30x.
    for (const name of Object.keys(wasm)) expect(relativeError(first[name].data, wasm[name].data), name).toBeLessThan(1e-5);
  }, 300_000);

  it("evaluates a path bit-identically twice, with the errors and losses of wasm's path to rounding", async () => {
    const other = { ...dense, dataSeed: 1 };
    const options = { alphas: evenAlphas(3), trainEvalSubset: 200 };
    const pathOn = async (backend: string) => {
      process.env.LOTTERY_BACKEND = backend;
      return linearPath(dense, other, options);
    };
    freshResults();
    const gpu = await pathOn("webgpu");
    freshResults();
    expect(JSON.stringify(await pathOn("webgpu"))).toBe(JSON.stringify(gpu));
    const wasm = await pathOn("wasm");
    // Measured on lavapipe: losses within 4.8e-7, the same errors; a GPU may flip an example on a tie, so 2 are allowed.
    for (const split of ["train", "test"] as const) {
      expect(relativeError(Float32Array.from(gpu[split].losses), Float32Array.from(wasm[split].losses)), split).toBeLessThan(1e-5);
      gpu[split].errors.forEach((e, i) => expect(Math.abs(e - wasm[split].errors[i]), `${split} error at point ${i}`).toBeLessThanOrEqual(2 / (split === "train" ? 200 : 500)));
    }
  }, 300_000);

  it("runs a quick figure end to end in the worker pool, naming webgpu and its adapter in provenance", async () => {
    const root = freshResults();
    const quick = figureConfig<DenseInstabilityConfig>("lmc/dense-instability", "quick");
    const config: DenseInstabilityConfig = { ...quick, data, train: { ...quick.train, steps: 20 }, ks: [0, 10], alphas: 3, trainEvalSubset: 200 };
    const run = await runFigure("lmc/dense-instability", "quick", { overrides: config as unknown as Record<string, unknown>, outDir: join(root, "figure") });
    expect(run.provenance.backend.name).toBe("webgpu");
    expect(run.provenance.backend.adapter).toMatch(/\S/);
    const summary = (run.data as { summary: { k: number }[] }).summary;
    expect(summary.map((s) => s.k)).toEqual([0, 10]);
    expect(JSON.parse(readFileSync(join(root, "figure", "provenance.json"), "utf8")).backend.source).toMatch(/tfjs-backend-webgpu 4\.22\.0 on Dawn/);
  }, 300_000);
});
