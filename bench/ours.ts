/**
 * A timing child of `npm run bench`: lottery-lab's side of every workload, on the backend LOTTERY_BACKEND
 * names, in a process whose thread settings (TF_NUM_INTRAOP_THREADS, ...) the driver chose. It reads one
 * JSON request per line on stdin and answers one line starting with PREFIX on stdout:
 *   {"op": "info"}                                  -> backend, versions
 *   {"op": "prepare", "workload": w, "sizes": {...}} -> builds the model and data (untimed) and warms up
 *   {"op": "run", "workload": w}                    -> one timed repetition: units, seconds, CPU, threads
 *   {"op": "profile", "workload": w, "sizes": ...}  -> where a step's time goes (see profile.ts)
 */
import { createInterface } from "node:readline";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend";
import { deviceData, upload } from "../lib/data/device";
import { getModel, MODEL_NAMES } from "../lib/models/registry";
import { Model } from "../lib/models/model";
import { initParams } from "../lib/models/init";
import { toDevice } from "../lib/models/params";
import { freshOptimizer } from "../lib/train/optimizer";
import { trainTo, TrainState } from "../lib/train/train";
import { DeviceSplit } from "../lib/train/evaluate";
import { TrainHparams } from "../lib/train/hparams";
import { evaluatePath } from "../lib/lmc/interpolate";
import { evenAlphas } from "../lib/lmc/barrier";
import { lenetPaperTraining } from "../lib/train/recipes";
import { setProgressSink } from "../lib/util/progress";
import { runTasks } from "../lib/parallel/pool";
import { rng } from "../lib/util/rng";
import { RunConfig } from "../lib/store/run-config";
import { CIFAR_STEPS, CONV2, CONV_AGGREGATE, PREFIX, RESNET, Sizes, Timing, Workload, busyThreads, isCifarStep, threadTicks } from "./common";
import { profileStep, profilePath, StepSetup } from "./profile";

type Runner = () => Promise<number>; // runs one repetition, returns its units

/** A split of `count` random inputs of `shape` (normalised-image-like) and random labels. */
function syntheticSplit(count: number, shape: [number, number, number], classes: number, seed: number): DeviceSplit {
  const r = rng(seed, 0, 0xbe7c);
  const size = shape[0] * shape[1] * shape[2];
  const x = new Float32Array(count * size);
  for (let i = 0; i < x.length; i++) x[i] = 2 * r() - 1;
  const y = new Int32Array(count);
  for (let i = 0; i < count; i++) y[i] = Math.floor(r() * classes);
  return upload({ x, y, count }, shape);
}

/** ResNet-20's SGD recipe (lr 0.1, momentum 0.9, weight decay 1e-4, constant rate) at a batch size. */
function sgdRecipe(batchSize: number, steps = 1_000_000): TrainHparams {
  return { ...lenetPaperTraining(steps), optimizer: "sgd", lr: RESNET.lr, momentum: RESNET.momentum, weightDecay: RESNET.weightDecay, batchSize };
}

/** A training step workload: the model, its hyper-parameters and data, and a state that keeps training. */
function stepSetup(workload: Workload, sizes: Sizes): StepSetup {
  const mnist = () => deviceData({ dataset: "mnist" });
  if (workload === "lenet-step") {
    return { model: getModel("lenet-300-100", [28, 28, 1], 10), hparams: lenetPaperTraining(1_000_000), train: mnist().train };
  }
  if (workload === "conv2-step") {
    const h: TrainHparams = { ...lenetPaperTraining(1_000_000), optimizer: "sgd", lr: CONV2.lr, momentum: CONV2.momentum, batchSize: CONV2.batch };
    return { model: getModel("conv-2", [28, 28, 1], 10), hparams: h, train: mnist().train };
  }
  if (isCifarStep(workload)) {
    // CIFAR-sized synthetic inputs (the data's values do not change the work), batch norm in training mode.
    const { model, batch } = CIFAR_STEPS[workload];
    if (!MODEL_NAMES.includes(model)) throw new Error(`the model "${model}" is not in lib/models/registry.ts`);
    return { model: getModel(model, [32, 32, 3], 10), hparams: sgdRecipe(batch ?? sizes.vggBatch), train: syntheticSplit(RESNET.examples, [32, 32, 3], 10, 7) };
  }
  throw new Error(`${workload} is not a training step`);
}

function stepRunner(s: StepSetup, steps: number): Runner {
  const params = toDevice(initParams(s.model, 1));
  let state: TrainState = { step: 0, params, optimizer: freshOptimizer(s.hparams, params) };
  return async () => {
    state = await trainTo(state, state.step + steps, { model: s.model, hparams: s.hparams, train: s.train, dataSeed: 1 });
    return steps;
  };
}

function pathRunner(points: number): Runner {
  const data = deviceData({ dataset: "mnist" });
  const model: Model = getModel("lenet-300-100", [28, 28, 1], 10);
  const a = initParams(model, 1);
  const b = initParams(model, 2);
  const alphas = evenAlphas(points);
  return async () => {
    await evaluatePath(model, a, b, alphas, { test: data.test });
    return points;
  };
}

/**
 * `runs` runs of `steps` steps at once in the worker pool, from an empty cache (as a figure's runs): start-up,
 * data loading, training, checkpoints and the final test evaluation.
 */
function aggregateRunner(runs: number, steps: number, config: (steps: number, initSeed: number, dataSeed: number) => RunConfig): Runner {
  let round = 0;
  return async () => {
    const saved = process.env.LOTTERY_RESULTS;
    const dir = mkdtempSync(join(tmpdir(), "lottery-bench-"));
    process.env.LOTTERY_RESULTS = dir;
    try {
      round++;
      const tasks = Array.from({ length: runs }, (_, i) => ({ kind: "run" as const, config: config(steps, 100 + i, round) }));
      await runTasks(tasks, runs);
      return runs * steps;
    } finally {
      if (saved === undefined) delete process.env.LOTTERY_RESULTS;
      else process.env.LOTTERY_RESULTS = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const lenetRun = (steps: number, initSeed: number, dataSeed: number): RunConfig => ({ model: "lenet-300-100", data: { dataset: "mnist" }, train: lenetPaperTraining(steps), initSeed, dataSeed });

/** A conv-aggregate run: the narrow ResNet on the JPEG copy of CIFAR-10 (CIFAR10_JPEG, else data/cifar10-jpeg.tar.gz). */
function convRun(steps: number, initSeed: number, dataSeed: number): RunConfig {
  if (!MODEL_NAMES.includes(CONV_AGGREGATE.model)) throw new Error(`the model "${CONV_AGGREGATE.model}" is not in lib/models/registry.ts`);
  return { model: CONV_AGGREGATE.model, data: { dataset: CONV_AGGREGATE.dataset }, train: sgdRecipe(RESNET.batch, steps), initSeed, dataSeed };
}

function runner(workload: Workload, sizes: Sizes): Runner {
  switch (workload) {
    case "lenet-step":
      return stepRunner(stepSetup(workload, sizes), sizes.lenetSteps);
    case "conv2-step":
      return stepRunner(stepSetup(workload, sizes), sizes.conv2Steps);
    case "resnet20-step":
      return stepRunner(stepSetup(workload, sizes), sizes.resnetSteps);
    case "resnet20-4-step":
    case "resnet20-8-step":
      return stepRunner(stepSetup(workload, sizes), sizes.narrowResnetSteps);
    case "vgg16-step":
      return stepRunner(stepSetup(workload, sizes), sizes.vggSteps);
    case "path-eval":
      return pathRunner(sizes.pathPoints);
    case "aggregate":
      return aggregateRunner(sizes.aggregateRuns, sizes.aggregateSteps, lenetRun);
    case "conv-aggregate":
      convRun(1, 0, 0); // fails here, at prepare, when the model is missing
      return aggregateRunner(sizes.aggregateRuns, sizes.convAggregateSteps, convRun);
    default:
      throw new Error(`unknown workload ${workload}`);
  }
}

async function timed(run: Runner): Promise<Timing> {
  const ticks = threadTicks();
  const cpu = process.cpuUsage();
  const t = performance.now();
  const units = await run();
  const seconds = (performance.now() - t) / 1000;
  const c = process.cpuUsage(cpu);
  return { units, seconds, cpuSeconds: (c.user + c.system) / 1e6, threads: busyThreads(ticks, threadTicks()) };
}

async function main(): Promise<void> {
  setProgressSink(null);
  const backend = await initBackend();
  const runners = new Map<Workload, Runner>();
  const reply = (o: object) => process.stdout.write(`${PREFIX}${JSON.stringify(o)}\n`);
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const req = JSON.parse(line) as { op: string; workload: Workload; sizes: Sizes; steps?: number };
    try {
      if (req.op === "info") reply({ ok: true, backend: backend.name, source: backend.source, blas: backend.blas, kernels: backend.kernels, tfjs: backend.tfjsVersion, models: MODEL_NAMES });
      else if (req.op === "prepare") {
        const r = runner(req.workload, req.sizes);
        // The aggregate rows' warm-up would be as long as a repetition; their start-up is part of what they measure.
        if (req.workload !== "aggregate" && req.workload !== "conv-aggregate") await r();
        runners.set(req.workload, r);
        reply({ ok: true });
      } else if (req.op === "run") {
        const r = runners.get(req.workload);
        if (!r) throw new Error(`${req.workload} was not prepared`);
        reply({ ok: true, ...(await timed(r)) });
      } else if (req.op === "profile") {
        const result = req.workload === "path-eval" ? await profilePath(req.steps ?? 5) : await profileStep(stepSetup(req.workload, req.sizes), req.steps ?? 10);
        reply({ ok: true, profile: result });
      } else throw new Error(`unknown op ${req.op}`);
    } catch (e) {
      reply({ ok: false, error: (e as Error).message });
    }
  }
  tf.disposeVariables();
  process.exit(0);
}

main().catch((e) => {
  process.stdout.write(`${PREFIX}${JSON.stringify({ ok: false, error: (e as Error).message })}\n`);
  process.exit(1);
});
