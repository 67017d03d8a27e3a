import { Info, KernelFunc, kernelArgs } from "./wasm-ops";
import { UpdateModule } from "./update-wasm";
import { ADAM_BETA1, ADAM_BETA2, ADAM_EPS, OPTIMIZER_UPDATE, OptimizerUpdateAttrs } from "./project";

export interface OptimizerUpdateInputs {
  p: Info;
  grad: Info;
  mask?: Info;
  /** Momentum buffer or Adam's first moment. */
  m?: Info;
  /** Adam's second moment. */
  v?: Info;
}

/**
 * The optimizer update as one pass of `update` over the wasm heap, in place of the dozen elementwise
 * kernels (each a pass over memory and a trip through the engine) of its tensor form. Outputs: the new
 * parameter, then the new slots in the order m, v.
 */
export function optimizerUpdate(update: UpdateModule): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs: a } = kernelArgs<OptimizerUpdateInputs, OptimizerUpdateAttrs>(args);
    const given = Object.entries(inputs).filter(([, t]) => t !== undefined) as [string, Info][];
    for (const [name, t] of given) {
      if (t.dtype !== "float32" || t.shape.join() !== inputs.p.shape.join()) {
        throw new Error(`${OPTIMIZER_UPDATE}: ${name} must be float32 of shape [${inputs.p.shape}], got ${t.dtype} [${t.shape}]`);
      }
    }
    const slots = [inputs.m, inputs.v].filter((t): t is Info => t !== undefined);
    const outs = [inputs.p, ...slots].map((t) => backend.makeOutput(t.shape, "float32"));
    const at = (t: Info | undefined) => (t ? backend.typedArrayFromHeap(t).byteOffset : 0);
    const ptrs = { p: at(inputs.p), grad: at(inputs.grad), mask: at(inputs.mask), pOut: at(outs[0]), m: at(inputs.m), mOut: at(outs[1]), v: at(inputs.v), vOut: at(outs[2]) };
    const n = inputs.p.shape.reduce((x, y) => x * y, 1);
    if (a.rule === "adam") {
      update.adam(ptrs, n, {
        lr: a.lr,
        weightDecay: a.weightDecay,
        beta1: ADAM_BETA1,
        oneMinusBeta1: 1 - ADAM_BETA1,
        beta2: ADAM_BETA2,
        oneMinusBeta2: 1 - ADAM_BETA2,
        eps: ADAM_EPS,
        correction1: a.correction1,
        correction2: a.correction2,
      });
    } else {
      update.sgd(ptrs, n, { lr: a.lr, weightDecay: a.weightDecay, momentum: a.momentum });
    }
    return outs;
  };
}
