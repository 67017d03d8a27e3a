import { afterEach, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend";
import { contributions, disposeContributions } from "../../lib/greedy/contributions";
import { defaultMode } from "../../lib/greedy/score";
import { greedySelect } from "../../lib/greedy/select";
import { subnetworkLoss } from "../../lib/greedy/evaluate";
import { SelectionLoss } from "../../lib/greedy/loss";
import { fillNormal, rng } from "../../lib/util/rng";
import { describeOnWebgpu, relativeError } from "./support";

/**
 * Greedy forward selection on webgpu: its tensors live on the GPU, where a synchronous read fails in Node, so
 * the library reads them asynchronously; the candidates are scored as tensor ops there (on wasm, in a host loop).
 */
const onWebgpu = process.env.LOTTERY_BACKEND;
afterEach(() => {
  process.env.LOTTERY_BACKEND = onWebgpu;
});

async function select(backend: string, loss: SelectionLoss): Promise<{ picks: number[]; losses: number[]; loss: number; mode: string }> {
  process.env.LOTTERY_BACKEND = backend;
  await initBackend();
  const r = rng(5);
  const [m, d, N, C] = [60, 9, 40, 5];
  const inputs = [tf.tensor2d(fillNormal(r, new Float32Array(d * N)), [d, N]), tf.tensor2d(fillNormal(r, new Float32Array(N * C), 2), [N, C]), tf.tensor2d(fillNormal(r, new Float32Array(m * d)), [m, d])] as const;
  const y = tf.tensor1d(Int32Array.from({ length: m }, () => Math.floor(r() * C)), "int32");
  const c = await contributions({ w: inputs[0], a: inputs[1] }, inputs[2], y);
  try {
    const g = await greedySelect(c, { size: 6, loss });
    return { picks: g.picks, losses: g.losses, loss: await subnetworkLoss(c, g.picks, loss), mode: defaultMode() };
  } finally {
    disposeContributions(c);
    [...inputs, y].forEach((t) => t.dispose());
  }
}

describeOnWebgpu("greedy selection on webgpu", () => {
  it.each(["cross-entropy", "squared"] as const)("picks what wasm picks, with the same losses to rounding (%s)", async (loss) => {
    const gpu = await select("webgpu", loss);
    const wasm = await select("wasm", loss);
    expect([gpu.mode, wasm.mode]).toEqual(["tensor", "host"]);
    expect(gpu.picks).toEqual(wasm.picks);
    expect(relativeError(Float32Array.from(gpu.losses), Float32Array.from(wasm.losses))).toBeLessThan(1e-5);
    expect(gpu.loss).toBeCloseTo(gpu.losses[5], 5);
  });
});
