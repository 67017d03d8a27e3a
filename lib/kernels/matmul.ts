import { Info, KernelFunc, kernelArgs, transpose, free, WasmBackend } from "./wasm-ops";

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
  activation?: string;
}

/**
 * tfjs-backend-wasm hands a matrix product to XNNPACK only when neither operand is transposed; every
 * matrix product of a backward pass is transposed, so gradients fall to a slow scalar loop. This wraps
 * BatchMatMul or _FusedMatMul (same operands and transpose attributes) so that the original kernel always
 * runs untransposed: a transposed operand is first materialised with the fast wasm Transpose kernel.
 *
 * XNNPACK also repacks (and transposes) the right operand whenever it is a tensor it has not seen, which
 * in training is every step's new weights: for a small batch times a large weight matrix that packing
 * costs as much as the product. There the product is computed the other way round, C = (B^T A^T)^T, so
 * that the small operand is the one packed. Both ways give bit-identical results (each output is the
 * same dot product, accumulated in the same order), so the choice is purely one of speed.
 */
export function untransposedMatMul(original: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = kernelArgs<{ a: Info; b: Info; bias?: Info; preluActivationWeights?: Info }, MatMulAttrs>(args);
    const { transposeA, transposeB } = attrs;
    const plain = (a: Info, b: Info) =>
      // Spread inputs: _FusedMatMul also carries bias and prelu weights.
      original({ inputs: { ...inputs, a, b }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } } as never) as Info;
    const dims = productDims(inputs.a, inputs.b, transposeA, transposeB);
    // Operands materialised here (transposes), as opposed to the caller's, which are not ours to free.
    const made = (...ts: Info[]) => ts.filter((t) => t !== inputs.a && t !== inputs.b);
    const unfused = !inputs.bias && !inputs.preluActivationWeights && (attrs.activation ?? "linear") === "linear";
    if (dims && unfused && swapIsCheaper(dims, transposeA, transposeB)) {
      // B^T A^T: op(B)^T is B itself when B was to be transposed, likewise for A.
      const left = transposeB ? inputs.b : swapLastTwo(backend, inputs.b);
      const right = transposeA ? inputs.a : swapLastTwo(backend, inputs.a);
      const outT = plain(left, right);
      const out = swapLastTwo(backend, outT);
      free(backend, outT, ...made(left, right));
      return out;
    }
    if (!transposeA && !transposeB) return original(args);
    const a = transposeA ? swapLastTwo(backend, inputs.a) : inputs.a;
    const b = transposeB ? swapLastTwo(backend, inputs.b) : inputs.b;
    const out = plain(a, b);
    free(backend, ...made(a, b));
    return out;
  };
}

export interface ProductDims {
  m: number;
  k: number;
  n: number;
}

/** [m, k] @ [k, n] of a product of single matrices (any leading dims of size 1); null for a batch of them. */
function productDims(a: Info, b: Info, transposeA: boolean, transposeB: boolean): ProductDims | null {
  const single = (t: Info) => t.shape.slice(0, -2).every((d) => d === 1);
  if (a.shape.length !== b.shape.length || !single(a) || !single(b)) return null;
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  return { m: transposeA ? ac : ar, k: transposeA ? ar : ac, n: transposeB ? br : bc };
}

// Nanoseconds per element on wasm (timed on a 2-core x86 machine, products with fresh operands): the
// Transpose kernel, and XNNPACK's transposing pack of a right operand it has not seen.
const TRANSPOSE_NS = 1.2;
const PACK_NS = 4.5;

/**
 * Whether C = (B^T A^T)^T costs less than A @ B in transposes and packing (the product itself costs the
 * same). Directly: transposes of the operands marked transposed, then B packed. Swapped: transposes of the
 * operands not marked transposed, A packed, and C transposed back.
 */
export function swapIsCheaper({ m, k, n }: ProductDims, transposeA: boolean, transposeB: boolean): boolean {
  const direct = ((transposeA ? m * k : 0) + (transposeB ? k * n : 0)) * TRANSPOSE_NS + k * n * PACK_NS;
  const swapped = ((transposeA ? 0 : m * k) + (transposeB ? 0 : k * n) + m * n) * TRANSPOSE_NS + m * k * PACK_NS;
  return swapped < direct;
}

function swapLastTwo(backend: WasmBackend, x: Info): Info {
  const rank = x.shape.length;
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return transpose(backend, x, perm);
}
