import * as tf from "@tensorflow/tfjs";
import { untransposedMatMul } from "./matmul";
import { conv2DBackpropFilter } from "./conv-backprop-filter";
import { fastConv2DBackpropInput } from "./conv-backprop-input";
import { maxPoolGrad } from "./max-pool-grad";
import { optimizerUpdate } from "./optimizer-update";
import { OPTIMIZER_UPDATE } from "./project";
import { loadUpdateModule } from "./update-wasm";
import { KernelFunc } from "./wasm-ops";
import { loadBlas } from "./blas";
import { contiguousSlice } from "./slice";
import { sharedIdentity } from "./identity";
import { blasMatMul } from "./blas-matmul";

let registered = false;

/**
 * Faster (and missing, or wrong) training kernels for the WebAssembly backend: matrix products with
 * transposed operands and both conv gradients, built on its XNNPACK-backed kernels, max pooling's
 * gradient, a loop over the heap, slices that copy only the slice, clones that share memory, the project's fused optimizer update, and matrix products through a
 * native BLAS for the wasm-blas backend where one loads. This is the one place that
 * registers them; it touches only "wasm", and only once.
 */
export async function registerWasmFastKernels(): Promise<void> {
  if (registered) return;
  registered = true;
  const update = await loadUpdateModule();
  wrap("BatchMatMul", untransposedMatMul);
  wrap("_FusedMatMul", untransposedMatMul);
  // Outermost, so that the wasm-blas backend sends every product to the native BLAS (blas-matmul.ts).
  const blas = loadBlas();
  if (blas) {
    wrap("BatchMatMul", blasMatMul(blas));
    wrap("_FusedMatMul", blasMatMul(blas));
  }
  wrap("Conv2DBackpropInput", fastConv2DBackpropInput);
  wrap("Slice", contiguousSlice);
  wrap("Identity", sharedIdentity);
  add("Conv2DBackpropFilter", conv2DBackpropFilter);
  replace("MaxPoolGrad", maxPoolGrad);
  add(OPTIMIZER_UPDATE, optimizerUpdate(update));
}

/** Re-registers a wasm kernel with its kernel function wrapped; the original's setup has already run. */
function wrap(name: string, make: (original: KernelFunc) => KernelFunc): void {
  const original = tf.getKernel(name, "wasm");
  if (!original) return;
  tf.unregisterKernel(name, "wasm");
  tf.registerKernel({ ...original, kernelFunc: make(original.kernelFunc) });
}

/**
 * Registers a wasm kernel in place of tfjs-backend-wasm's own, which gets some inputs wrong (or in place
 * of none, should a version lack it).
 */
function replace(name: string, kernelFunc: KernelFunc): void {
  if (tf.getKernel(name, "wasm")) tf.unregisterKernel(name, "wasm");
  tf.registerKernel({ kernelName: name, backendName: "wasm", kernelFunc });
}

/** Registers a wasm kernel that tfjs-backend-wasm lacks (leaving alone one that a later version adds). */
function add(name: string, kernelFunc: KernelFunc): void {
  if (!tf.getKernel(name, "wasm")) tf.registerKernel({ kernelName: name, backendName: "wasm", kernelFunc });
}
