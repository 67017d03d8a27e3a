import * as tf from "@tensorflow/tfjs";

/**
 * Faster training kernels for the WebAssembly backend.
 *
 * tfjs-backend-wasm multiplies matrices with XNNPACK only when neither operand is transposed; every
 * matrix product in a backward pass is transposed, so gradients fall to a slow scalar loop. Here
 * BatchMatMul materialises the transposed operand with the (fast) wasm Transpose kernel and then calls
 * the original kernel untransposed. Registered only on wasm, and only once.
 */
let registered = false;

type KernelFunc = tf.KernelConfig["kernelFunc"];
type Info = tf.TensorInfo;

interface WasmBackendLike {
  disposeData(dataId: object): boolean;
}

export function registerWasmFastKernels(): void {
  if (registered) return;
  registered = true;
  const original = tf.getKernel("BatchMatMul", "wasm");
  const transpose = tf.getKernel("Transpose", "wasm");
  if (!original || !transpose) return;
  const matmul = original.kernelFunc;
  const transposeFunc = transpose.kernelFunc;

  const swapLast = (x: Info, backend: unknown): Info => {
    const rank = x.shape.length;
    const perm = [...Array(rank).keys()];
    [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
    return transposeFunc({ inputs: { x }, backend, attrs: { perm } } as never) as Info;
  };

  const fast: KernelFunc = (args) => {
    const { inputs, backend, attrs } = args as unknown as {
      inputs: { a: Info; b: Info };
      backend: WasmBackendLike;
      attrs: { transposeA: boolean; transposeB: boolean };
    };
    if (!attrs.transposeA && !attrs.transposeB) return matmul(args);
    const a = attrs.transposeA ? swapLast(inputs.a, backend) : inputs.a;
    const b = attrs.transposeB ? swapLast(inputs.b, backend) : inputs.b;
    const out = matmul({ inputs: { a, b }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } } as never);
    if (a !== inputs.a) backend.disposeData(a.dataId);
    if (b !== inputs.b) backend.disposeData(b.dataId);
    return out;
  };
  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel({ ...original, kernelFunc: fast });
}
