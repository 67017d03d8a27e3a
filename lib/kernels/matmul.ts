import { Info, KernelFunc, kernelArgs, transpose, free, WasmBackend } from "./wasm-ops";

/**
 * tfjs-backend-wasm hands a matrix product to XNNPACK only when neither operand is transposed; every
 * matrix product of a backward pass is transposed, so gradients fall to a slow scalar loop. This wraps
 * BatchMatMul or _FusedMatMul (same operands and transpose attributes) so that a transposed operand is
 * first materialised with the fast wasm Transpose kernel and the original kernel runs untransposed.
 */
export function untransposedMatMul(original: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = kernelArgs<{ a: Info; b: Info }, { transposeA: boolean; transposeB: boolean }>(args);
    if (!attrs.transposeA && !attrs.transposeB) return original(args);
    const a = attrs.transposeA ? swapLastTwo(backend, inputs.a) : inputs.a;
    const b = attrs.transposeB ? swapLastTwo(backend, inputs.b) : inputs.b;
    // Spread inputs: _FusedMatMul also carries bias and prelu weights.
    const out = original({ inputs: { ...inputs, a, b }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } } as never);
    if (a !== inputs.a) free(backend, a);
    if (b !== inputs.b) free(backend, b);
    return out;
  };
}

function swapLastTwo(backend: WasmBackend, x: Info): Info {
  const rank = x.shape.length;
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return transpose(backend, x, perm);
}
