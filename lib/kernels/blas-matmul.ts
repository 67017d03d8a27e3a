import * as tf from "@tensorflow/tfjs";
import { Blas } from "./blas";
import { Info, KernelFunc, kernelArgs, free, runKernel, WasmBackend } from "./wasm-ops";

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
  activation?: string;
  leakyreluAlpha?: number;
}

interface MatMulInputs {
  a: Info;
  b: Info;
  bias?: Info;
  preluActivationWeights?: Info;
}

let enabled = false;

/** Whether wasm's matrix products go to the native BLAS: on for the wasm-blas backend, off for wasm. */
export function useBlas(on: boolean): void {
  enabled = on;
}

/**
 * BatchMatMul / _FusedMatMul through cblas_sgemm on the wasm heap while `useBlas(true)`; otherwise (and
 * for what it does not cover: non-float operands, empty dimensions, batch shapes that broadcast other
 * than against a single matrix) the original kernel. Transposed operands need no copy: cblas reads them
 * in place. A fused bias and activation run as the backend's own kernels on the product.
 */
export function blasMatMul(blas: Blas): (original: KernelFunc) => KernelFunc {
  return (original) => (args) => {
    if (!enabled) return original(args);
    const { inputs, backend, attrs } = kernelArgs<MatMulInputs, MatMulAttrs>(args);
    const { a, b } = inputs;
    const plan = productPlan(a, b, attrs.transposeA, attrs.transposeB);
    if (!plan || a.dtype !== "float32" || b.dtype !== "float32") return original(args);
    const { m, n, k, batches, strideA, strideB, outShape } = plan;
    const out = backend.makeOutput(outShape, "float32");
    // Views after the last allocation: growing the heap would detach them.
    const [va, vb, vc] = [a, b, out].map((t) => backend.typedArrayFromHeap(t) as Float32Array);
    for (let i = 0; i < batches; i++) {
      const at = (v: Float32Array, start: number, size: number) => (batches === 1 ? v : v.subarray(start, start + size));
      blas.sgemm(attrs.transposeA, attrs.transposeB, m, n, k, at(va, i * strideA, m * k), at(vb, i * strideB, k * n), at(vc, i * m * n, m * n));
    }
    return fuse(backend, out, inputs, attrs);
  };
}

interface ProductPlan {
  m: number;
  n: number;
  k: number;
  batches: number;
  /** Elements between consecutive matrices of an operand (0: the same matrix for every batch). */
  strideA: number;
  strideB: number;
  outShape: number[];
}

const count = (shape: number[]) => shape.reduce((x, y) => x * y, 1);

function productPlan(a: Info, b: Info, transposeA: boolean, transposeB: boolean): ProductPlan | null {
  if (a.shape.length < 2 || b.shape.length < 2) return null;
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const m = transposeA ? ac : ar;
  const k = transposeA ? ar : ac;
  const n = transposeB ? br : bc;
  if (k !== (transposeB ? bc : br) || m === 0 || n === 0 || k === 0) return null;
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const [na, nb] = [count(batchA), count(batchB)];
  if (na !== nb && na !== 1 && nb !== 1) return null;
  if (na === nb && na > 1 && batchA.join() !== batchB.join()) return null;
  const batchShape = tf.backend_util.assertAndGetBroadcastShape(batchA, batchB);
  return { m, n, k, batches: Math.max(na, nb), strideA: na === 1 ? 0 : m * k, strideB: nb === 1 ? 0 : k * n, outShape: [...batchShape, m, n] };
}

/** _FusedMatMul's activations that are one kernel of the input alone. */
const UNARY: Record<string, string> = { relu: "Relu", relu6: "Relu6", elu: "Elu", sigmoid: "Sigmoid" };

/** _FusedMatMul's bias and activation, applied with the backend's kernels (freeing what they replace). */
function fuse(backend: WasmBackend, product: Info, inputs: MatMulInputs, attrs: MatMulAttrs): Info {
  let y = product;
  const then = (next: Info) => {
    free(backend, y);
    y = next;
  };
  if (inputs.bias) then(runKernel("Add", backend, { a: y, b: inputs.bias }));
  const activation = attrs.activation ?? "linear";
  if (activation === "linear") return y;
  if (activation === "leakyrelu") then(runKernel("LeakyRelu", backend, { x: y }, { alpha: attrs.leakyreluAlpha }));
  else if (activation === "prelu") then(runKernel("Prelu", backend, { x: y, alpha: inputs.preluActivationWeights! }));
  else if (UNARY[activation]) then(runKernel(UNARY[activation], backend, { x: y }));
  else throw new Error(`_FusedMatMul: unknown activation ${activation}`);
  return y;
}
