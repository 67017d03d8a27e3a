import * as tf from "@tensorflow/tfjs";
import { Info, KernelFunc, kernelArgs } from "./wasm-ops";

/**
 * tfjs-backend-wasm's Slice reads its input with readSync, which copies the whole tensor out of the heap
 * before taking the slice: evaluating 10k test images in two batches copied the 31 MB set twice per
 * batch. A contiguous slice (leading rows, the case of every batch cut from a data set) is here one copy
 * of the slice from a view of the heap; other slices keep the original kernel. Same bytes either way.
 */
export function contiguousSlice(original: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = kernelArgs<{ x: Info }, { begin: number | number[]; size: number | number[] }>(args);
    const { x } = inputs;
    if (x.dtype === "string") return original(args);
    const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, attrs.begin, attrs.size);
    if (!tf.slice_util.isSliceContinous(x.shape, begin, size)) return original(args);
    const offset = tf.slice_util.computeFlatOffset(begin, tf.util.computeStrides(x.shape));
    const out = backend.makeOutput(size, x.dtype);
    // Views after the output's allocation (a heap growth detaches earlier ones).
    const source = backend.typedArrayFromHeap(x);
    backend.typedArrayFromHeap(out).set(source.subarray(offset, offset + tf.util.sizeFromShape(size)));
    return out;
  };
}
