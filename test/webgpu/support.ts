import { existsSync } from "node:fs";
import { describe, expect } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend";
import { LAVAPIPE_ICD } from "../../lib/webgpu/driver";

/**
 * The webgpu suite (`npm run test:webgpu`) runs where a Vulkan driver is installed: the lavapipe of
 * `npm run webgpu`, or one that VK_DRIVER_FILES names. Without one it is skipped, saying so; with one that
 * Dawn cannot use, it fails with the backend's own line (see lib/webgpu/adapter.ts).
 */
export const driverInstalled = existsSync(LAVAPIPE_ICD) || Boolean(process.env.VK_DRIVER_FILES || process.env.VK_ICD_FILENAMES);
if (!driverInstalled) console.warn("webgpu tests skipped: no Vulkan driver is installed; run `npm run webgpu` (lavapipe, a CPU driver) or set VK_DRIVER_FILES.");

export const describeOnWebgpu = describe.skipIf(!driverInstalled);

/** Runs `fn` on `backend` (LOTTERY_BACKEND forced for the call) and reads its tensors back. */
export async function on(backend: "cpu" | "webgpu" | "wasm", fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  const saved = process.env.LOTTERY_BACKEND;
  process.env.LOTTERY_BACKEND = backend;
  try {
    expect((await initBackend()).name).toBe(backend);
    const out = tf.tidy(fn);
    // An output computed by the webgpu backend's CPU fallback (small inputs) would not test its kernels.
    if (backend === "webgpu") for (const t of out) expect(onGpu(t), `output of shape [${t.shape}] is on the GPU`).toBe(true);
    const values = await Promise.all(out.map((t) => t.data() as Promise<Float32Array>));
    out.forEach((t) => t.dispose());
    return values;
  } finally {
    process.env.LOTTERY_BACKEND = saved;
  }
}

/** Whether a tensor of the webgpu backend lives in a GPU buffer (tfjs-backend-webgpu's own bookkeeping). */
function onGpu(t: tf.Tensor): boolean {
  const backend = tf.backend() as unknown as { tensorMap: { get(id: object): { resource?: unknown } | undefined } };
  return backend.tensorMap.get(t.dataId)?.resource != null;
}

/** The largest difference between two arrays, relative to the largest magnitude of the reference (0 when both are 0). */
export function relativeError(got: Float32Array, want: Float32Array): number {
  if (got.length !== want.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return scale === 0 ? diff : diff / scale;
}
