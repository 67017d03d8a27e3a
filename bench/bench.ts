/**
 * `npm run bench`: training and evaluation throughput on the active backend, side by side with PyTorch
 * (Debian's python3-torch, when present) in the same run. Medians of several repetitions after warm-up.
 * Writes results/bench/latest.json and keeps earlier results in results/bench/history/.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, renameSync, readFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { main } from "../lib/cli";
import { initBackend } from "../lib/backend";
import { deviceData } from "../lib/data/device";
import { getModel } from "../lib/models/registry";
import { initParams } from "../lib/models/init";
import { toDevice } from "../lib/models/params";
import { freshOptimizer } from "../lib/train/optimizer";
import { trainTo, TrainState } from "../lib/train/train";
import { evaluatePath } from "../lib/lmc/interpolate";
import { evenAlphas } from "../lib/lmc/barrier";
import { lenetPaperTraining } from "../lib/figures/lenet-presets";
import { resultsDir } from "../lib/store/paths";
import { writeJsonAtomic } from "../lib/util/atomic";
import { setProgressSink } from "../lib/util/progress";
import { runFigure } from "../lib/figures/run-figure";
import { runTasks, workerCount } from "../lib/parallel/pool";

interface Row {
  workload: string;
  backend: string;
  unit: string;
  rate: number;
  reference: number | null;
  referenceThreads: number | null;
  ratio: number | null;
}

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timeIt(reps: number, units: number, fn: () => Promise<void>): Promise<number> {
  await fn(); // warm-up
  const rates: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    await fn();
    rates.push(units / ((performance.now() - t) / 1000));
  }
  return median(rates);
}

function reference(): Record<string, { rate: number }> | null {
  const python = "/usr/bin/python3";
  if (!existsSync(python)) return null;
  const r = spawnSync(python, [join(__dirname, "reference.py"), "1"], { encoding: "utf8" });
  if (r.status !== 0) {
    console.error(`PyTorch reference unavailable (${r.stderr.trim().split("\n").pop()}); install python3-torch to compare.`);
    return null;
  }
  return JSON.parse(r.stdout);
}

/** Runs `fn` with an empty results folder, so nothing is read from the cache. */
async function withFreshResults<T>(fn: () => Promise<T>): Promise<T> {
  const saved = process.env.LOTTERY_RESULTS;
  process.env.LOTTERY_RESULTS = mkdtempSync(join(tmpdir(), "bench-"));
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.LOTTERY_RESULTS;
    else process.env.LOTTERY_RESULTS = saved;
  }
}

main(async () => {
  setProgressSink(null);
  const backend = await initBackend();
  const data = deviceData({ dataset: "mnist" });
  const model = getModel("lenet-300-100", [28, 28, 1], 10);
  const h = lenetPaperTraining(1_000_000);

  const params = toDevice(initParams(model, 1));
  let state: TrainState = { step: 0, params, optimizer: freshOptimizer(h, params) };
  const steps = 200;
  const stepRate = await timeIt(5, steps, async () => {
    state = await trainTo(state, state.step + steps, { model, hparams: h, train: data.train, dataSeed: 1 });
  });

  const a = initParams(model, 1);
  const b = initParams(model, 2);
  const alphas = evenAlphas(30);
  const evalRate = await timeIt(3, alphas.length, async () => {
    await evaluatePath(model, a, b, alphas, { test: data.test });
  });

  // Conv-2 (the lottery ticket papers' small conv net) on MNIST, SGD with momentum, batch 60.
  const conv = getModel("conv-2", [28, 28, 1], 10);
  const hConv = { ...h, optimizer: "sgd" as const, lr: 0.01, momentum: 0.9 };
  const convParams = toDevice(initParams(conv, 1));
  let convState: TrainState = { step: 0, params: convParams, optimizer: freshOptimizer(hConv, convParams) };
  const convSteps = 5;
  const convRate = await timeIt(3, convSteps, async () => {
    convState = await trainTo(convState, convState.step + convSteps, { model: conv, hparams: hConv, train: data.train, dataSeed: 1 });
  });

  // Aggregate training throughput of concurrent runs: one LeNet run per worker, each as long as a run of the
  // cpu figures (6,000 steps), worker start-up, evaluation and checkpoints included.
  const workers = workerCount();
  const aggregateSteps = 6000;
  const aggregateRate = await withFreshResults(async () => {
    const t = performance.now();
    const runs = Array.from({ length: workers }, (_, i) => ({ kind: "run" as const, config: { model: "lenet-300-100", data: { dataset: "mnist" }, train: lenetPaperTraining(aggregateSteps), initSeed: 100 + i, dataSeed: 0 } }));
    await runTasks(runs, workers);
    return (workers * aggregateSteps) / ((performance.now() - t) / 1000);
  });

  // A whole small experiment: the dense instability figure at its quick preset, from an empty cache,
  // through the worker pool (as many workers as cores).
  const experimentSeconds = await withFreshResults(async () => {
    const t = performance.now();
    await runFigure("lmc/dense-instability", "quick");
    return (performance.now() - t) / 1000;
  });

  const ref = reference();
  const row = (workload: string, unit: string, rate: number, key: string): Row => {
    const r = ref?.[`${key}/threads=1`]?.rate ?? null;
    return { workload, backend: backend.name, unit, rate, reference: r, referenceThreads: r === null ? null : 1, ratio: r === null ? null : rate / r };
  };
  const rows = [
    row("LeNet-300-100 train step, batch 60, Adam", "steps/s", stepRate, "lenet-step"),
    row("LeNet-300-100 path evaluation, 30 points x 10k test", "points/s", evalRate, "lenet-path-eval"),
    row("Conv-2 train step, batch 60, SGD momentum", "steps/s", convRate, "conv2-step"),
    row(`LeNet-300-100 aggregate, ${workers} concurrent 6k-step runs`, "steps/s", aggregateRate, "lenet-step"),
    { workload: `dense instability figure, quick preset, ${workerCount()} workers`, backend: backend.name, unit: "seconds", rate: experimentSeconds, reference: null, referenceThreads: null, ratio: null },
  ];

  console.log(`backend ${backend.name} (${backend.source}), tfjs ${backend.tfjsVersion}; reference: ${ref ? `PyTorch ${(ref as unknown as { torch: string }).torch}, 1 thread` : "none"}`);
  console.log(`${"workload".padEnd(56)} ${"ours".padStart(10)} ${"PyTorch".padStart(10)} ${"ratio".padStart(7)}`);
  for (const r of rows) {
    const f = (v: number | null) => (v === null ? "-" : v.toFixed(1));
    console.log(`${r.workload.padEnd(56)} ${f(r.rate).padStart(10)} ${f(r.reference).padStart(10)} ${(r.ratio === null ? "-" : `${r.ratio.toFixed(2)}x`).padStart(7)}  ${r.unit}`);
  }

  const dir = join(resultsDir(), "bench");
  const latest = join(dir, "latest.json");
  if (existsSync(latest)) {
    const previous = JSON.parse(readFileSync(latest, "utf8"));
    mkdirSync(join(dir, "history"), { recursive: true });
    renameSync(latest, join(dir, "history", `${String(previous.date).replace(/[:.]/g, "-")}.json`));
  }
  writeJsonAtomic(latest, { date: new Date().toISOString(), machine: { cpu: cpus()[0]?.model, cores: cpus().length }, rows });
  console.log(`wrote ${latest}`);
  tf.disposeVariables();
});
