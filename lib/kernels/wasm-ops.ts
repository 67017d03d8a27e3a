import * as tf from "@tensorflow/tfjs";

/**
 * Calling wasm kernels from inside other wasm kernels. Inside a kernel there is no engine (no tensors,
 * no tidy): intermediates are bare TensorInfos on the wasm heap and must be freed by hand.
 */
export type Info = tf.TensorInfo;
export type KernelFunc = tf.KernelConfig["kernelFunc"];

/** The parts of tfjs-backend-wasm's BackendWasm used here (the package does not export the class type). */
export interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): Info;
  disposeData(dataId: object): boolean;
  /** One more reference to a heap entry (disposeData drops one; the memory goes with the last). */
  incRef(dataId: object): void;
  typedArrayFromHeap(t: Info): tf.TypedArray;
}

export interface WasmKernelArgs<I, A> {
  inputs: I;
  backend: WasmBackend;
  attrs: A;
}

/** Narrows the engine's untyped kernel arguments to those of one kernel. */
export function kernelArgs<I, A>(args: Parameters<KernelFunc>[0]): WasmKernelArgs<I, A> {
  return args as unknown as WasmKernelArgs<I, A>;
}

/** Runs the wasm kernel registered now under `name` (so a replaced kernel is used in its fast form). */
export function runKernel(name: string, backend: WasmBackend, inputs: Record<string, Info>, attrs: object = {}): Info {
  const kernel = tf.getKernel(name, "wasm");
  if (!kernel) throw new Error(`wasm kernel ${name} is not registered`);
  return kernel.kernelFunc({ inputs, backend, attrs } as never) as Info;
}

export function free(backend: WasmBackend, ...infos: Info[]): void {
  for (const t of infos) backend.disposeData(t.dataId);
}

export const reshape = (backend: WasmBackend, x: Info, shape: number[]): Info => runKernel("Reshape", backend, { x }, { shape });

export const transpose = (backend: WasmBackend, x: Info, perm: number[]): Info => runKernel("Transpose", backend, { x }, { perm });

/** a @ b for rank-2 operands, the only form wasm hands to XNNPACK. */
export const matMul = (backend: WasmBackend, a: Info, b: Info): Info =>
  runKernel("BatchMatMul", backend, { a, b }, { transposeA: false, transposeB: false });

/**
 * The whole wasm heap as floats and the index of `t`'s first element in it. Take it only after the
 * last allocation: growing the heap detaches earlier views.
 */
export function heapF32(backend: WasmBackend, t: Info): { heap: Float32Array; at: number } {
  const view = backend.typedArrayFromHeap(t) as Float32Array;
  return { heap: new Float32Array(view.buffer), at: view.byteOffset / 4 };
}

/** Shape, strides and padding of an NHWC conv (the only layout the wasm backend supports). */
export function convInfo(
  inShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  attrs: tf.Conv2DBackpropFilterAttrs | tf.Conv2DBackpropInputAttrs,
): tf.backend_util.Conv2DInfo {
  const dataFormat = tf.backend_util.convertConv2DDataFormat(attrs.dataFormat);
  if (dataFormat !== "channelsLast") throw new Error(`wasm conv gradients support only NHWC, got ${attrs.dataFormat}`);
  return tf.backend_util.computeConv2DInfo(inShape, filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, dataFormat);
}
