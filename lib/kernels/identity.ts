import { Info, KernelFunc, kernelArgs } from "./wasm-ops";

/**
 * Identity (tf.clone) sharing its input's memory, as Reshape already does on wasm and Identity does on
 * the cpu backend: tensors are immutable and the heap entry is reference-counted, so a copy buys nothing.
 * tfjs clones every tensor a gradient saves for the backward pass; copying them cost 22 copies per LeNet
 * step (~4 % of it). Strings keep the original kernel.
 */
export function sharedIdentity(original: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend } = kernelArgs<{ x: Info }, object>(args);
    const { x } = inputs;
    if (x.dtype === "string") return original(args);
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}
