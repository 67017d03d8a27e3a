/**
 * The GPU check's program (docs/backends.md; bundled into the kit's check.cjs by build.sh, run there by run.sh):
 * the bench's LeNet, Conv-2 and ResNet-20 training-step rows (bench/common.ts: the same models, batch sizes and
 * optimizers) on the webgpu backend, then the same rows in PyTorch on CUDA where python3 has torch with CUDA
 * (torch_steps.py), and steps/s side by side. Inputs are synthetic, of MNIST's and CIFAR-10's shapes: a step's
 * time does not depend on the values, and the kit carries no data set.
 *   node check.cjs            the check (a few minutes at most)
 *   node check.cjs --smoke    one step of each row at batch 4, without PyTorch: does the kit run at all?
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { initBackend } from "../../lib/backend";
import { upload } from "../../lib/data/device";
import { getModel } from "../../lib/models/registry";
import { initParams } from "../../lib/models/init";
import { toDevice } from "../../lib/models/params";
import { freshOptimizer } from "../../lib/train/optimizer";
import { trainTo, TrainState } from "../../lib/train/train";
import { TrainHparams } from "../../lib/train/hparams";
import { lenetPaperTraining } from "../../lib/train/recipes";
import { setProgressSink } from "../../lib/util/progress";
import { rng } from "../../lib/util/rng";
import { CONV2, RESNET, median } from "../../bench/common";

interface Row {
  id: string;
  model: string;
  shape: [number, number, number];
  examples: number;
  hparams: TrainHparams;
}

const smoke = process.argv.includes("--smoke");
const batch = (b: number) => (smoke ? 4 : b);
const sgd = (lr: number, momentum: number, weightDecay: number, batchSize: number): TrainHparams => ({ ...lenetPaperTraining(1_000_000), optimizer: "sgd", lr, momentum, weightDecay, batchSize: batch(batchSize) });

/** The rows of bench/README.md; torch_steps.py builds the same ones from bench/reference.py. */
const ROWS: Row[] = [
  { id: "lenet-step", model: "lenet-300-100", shape: [28, 28, 1], examples: 600, hparams: { ...lenetPaperTraining(1_000_000), batchSize: batch(60) } },
  { id: "conv2-step", model: "conv-2", shape: [28, 28, 1], examples: 600, hparams: sgd(CONV2.lr, CONV2.momentum, 0, CONV2.batch) },
  { id: "resnet20-step", model: "resnet-20", shape: [32, 32, 3], examples: RESNET.examples, hparams: sgd(RESNET.lr, RESNET.momentum, RESNET.weightDecay, RESNET.batch) },
];

/** Seconds a timed repetition should last at least, and about the most a row may take (three rows, both sides: under 10 minutes). */
const REPETITION_SECONDS = 2;
const ROW_DEADLINE_SECONDS = 75;

async function stepsPerSecond(row: Row): Promise<{ stepsPerSecond: number; steps: number; repetitions: number }> {
  const r = rng(7, 0, 0xbe7c);
  const size = row.shape[0] * row.shape[1] * row.shape[2];
  const x = Float32Array.from({ length: row.examples * size }, () => 2 * r() - 1);
  const y = Int32Array.from({ length: row.examples }, () => Math.floor(r() * 10));
  const train = upload({ x, y, count: row.examples }, row.shape);
  const model = getModel(row.model, row.shape, 10);
  const params = toDevice(initParams(model, 1));
  let state: TrainState = { step: 0, params, optimizer: freshOptimizer(row.hparams, params) };
  // trainTo ends by reading the loss back, and a parameter is read too: each call waits for the GPU to finish.
  const run = async (steps: number) => {
    const t = performance.now();
    state = await trainTo(state, state.step + steps, { model, hparams: row.hparams, train, dataSeed: 1 });
    await Object.values(state.params)[0].data();
    return (performance.now() - t) / 1000;
  };
  const started = performance.now();
  await run(smoke ? 1 : 3); // warm-up: shader compilation, buffer pools
  if (smoke) return { stepsPerSecond: 1 / (await run(1)), steps: 1, repetitions: 1 };
  // Doubles the steps per repetition until one lasts REPETITION_SECONDS, then times three such repetitions.
  let steps = 2;
  while ((await run(steps)) < REPETITION_SECONDS && steps < 20_000 && (performance.now() - started) / 1000 < ROW_DEADLINE_SECONDS / 3) steps *= 2;
  const rates: number[] = [];
  for (let i = 0; i < 3 && (i === 0 || (performance.now() - started) / 1000 < ROW_DEADLINE_SECONDS); i++) rates.push(steps / (await run(steps)));
  return { stepsPerSecond: median(rates), steps, repetitions: rates.length };
}

/** PyTorch's steps/s per row on CUDA, or why there are none. */
function pytorch(): { rates: Record<string, number>; device: string } | { skipped: string } {
  if (smoke) return { skipped: "--smoke" };
  const r = spawnSync(process.env.LOTTERY_PYTHON ?? "python3", [join(__dirname, "torch_steps.py")], { encoding: "utf8", timeout: 270_000 });
  if (r.error) return { skipped: `python3 did not run (${r.error.message})` };
  const last = r.stdout.trim().split("\n").pop() ?? "";
  try {
    const out = JSON.parse(last);
    return out.skipped ? { skipped: out.skipped } : out;
  } catch {
    return { skipped: `torch_steps.py failed: ${(r.stderr || r.stdout).trim().split("\n").pop()}` };
  }
}

async function main(): Promise<void> {
  setProgressSink(null);
  process.env.LOTTERY_BACKEND = "webgpu";
  const backend = await initBackend();
  console.log(`webgpu: ${backend.adapter} (${backend.source}, tfjs ${backend.tfjsVersion}, Node ${process.version}); VK_DRIVER_FILES=${process.env.VK_DRIVER_FILES ?? "(unset)"}`);
  const ours: Record<string, number> = {};
  for (const row of ROWS) {
    const m = await stepsPerSecond(row);
    ours[row.id] = m.stepsPerSecond;
    console.log(`  ${row.id.padEnd(14)} batch ${String(row.hparams.batchSize).padStart(3)}: ${m.stepsPerSecond.toFixed(2)} steps/s (median of ${m.repetitions} x ${m.steps} steps)`);
  }
  const save = (torch: object) => writeFileSync("gpu-check-results.json", `${JSON.stringify({ date: new Date().toISOString(), smoke, backend, vkDriverFiles: process.env.VK_DRIVER_FILES ?? null, webgpu: ours, pytorch: torch }, null, 2)}\n`);
  save({ skipped: "not run yet" }); // ours are kept should PyTorch overrun the time limit
  const torch = pytorch();
  console.log("skipped" in torch ? `PyTorch: not run (${torch.skipped})` : `PyTorch on ${torch.device}:`);
  if (!("skipped" in torch)) {
    console.log(`  ${"row".padEnd(14)} ${"webgpu".padStart(10)} ${"PyTorch".padStart(10)} ${"ratio".padStart(7)}`);
    for (const row of ROWS) {
      const t = torch.rates[row.id];
      console.log(`  ${row.id.padEnd(14)} ${ours[row.id].toFixed(2).padStart(10)} ${(t?.toFixed(2) ?? "-").padStart(10)} ${t ? `${(ours[row.id] / t).toFixed(2)}x`.padStart(7) : ""}`);
    }
  }
  save(torch);
  console.log("wrote gpu-check-results.json");
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
