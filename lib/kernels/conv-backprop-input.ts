import * as tf from "@tensorflow/tfjs";
import { convInfo, free, Info, KernelFunc, kernelArgs, reshape, runKernel, transpose, WasmBackend } from "./wasm-ops";

/**
 * Conv2DBackpropInput (the transposed convolution) as a forward Conv2D, which wasm runs with XNNPACK;
 * the stock wasm kernel is a scalar loop. dx is the stride-1 convolution of dy, dilated by the stride,
 * with the spatially flipped filter whose in/out channels are swapped.
 */
export function fastConv2DBackpropInput(original: KernelFunc): KernelFunc {
  return (args) => {
    // The stock kernel also handles NCHW, which wasm's Conv2D (and so this one) does not.
    const { attrs } = kernelArgs<unknown, tf.Conv2DBackpropInputAttrs>(args);
    return attrs.dataFormat === "NCHW" ? original(args) : viaConv2D(args);
  };
}

const viaConv2D: KernelFunc = (args) => {
  const { inputs, backend, attrs } = kernelArgs<{ dy: Info; filter: Info }, tf.Conv2DBackpropInputAttrs>(args);
  const info = convInfo(attrs.inputShape, inputs.filter.shape as [number, number, number, number], attrs);
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, padInfo } = info;
  const swapped = transpose(backend, inputs.filter, [0, 1, 3, 2]);
  const flipped = runKernel("Reverse", backend, { x: swapped }, { dims: [0, 1] });
  const dilated = dilate(backend, inputs.dy, sh, sw);
  // dx row r is the flipped filter against dilated rows r+top-(kh-1) .. r+top: windows start kh-1-top early.
  const rows = fit(dilated.shape[1], kh - 1 - padInfo.top, info.inHeight, kh);
  const cols = fit(dilated.shape[2], kw - 1 - padInfo.left, info.inWidth, kw);
  const cropped = rows.crop || cols.crop
    ? runKernel("Slice", backend, { x: dilated }, { begin: [0, rows.begin, cols.begin, 0], size: [-1, rows.size, cols.size, -1] })
    : dilated;
  const pad = [[0, 0], rows.pad, cols.pad, [0, 0]];
  const out = runKernel("Conv2D", backend, { x: cropped, filter: flipped }, { strides: 1, pad, dilations: 1, dataFormat: "NHWC" });
  free(backend, swapped, flipped, dilated);
  if (cropped !== dilated) free(backend, cropped);
  return out;
};

/** dy with s-1 zeros after every element along H and W (including the last, which `fit` may crop). */
function dilate(backend: WasmBackend, dy: Info, sh: number, sw: number): Info {
  // A reshape (a new reference to dy) so that the caller frees the result whatever the stride.
  if (sh === 1 && sw === 1) return reshape(backend, dy, dy.shape);
  const [n, h, w, c] = dy.shape;
  const spread = reshape(backend, dy, [n, h, 1, w, 1, c]);
  const padded = runKernel("PadV2", backend, { x: spread }, { paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 });
  const out = reshape(backend, padded, [n, h * sh, w * sw, c]);
  free(backend, spread, padded);
  return out;
}

/**
 * Padding (or, where negative, cropping) of one axis of length `length` so that a valid stride-1 conv
 * with a `k`-tap filter starting `before` cells before it gives exactly `out` outputs.
 */
function fit(length: number, before: number, out: number, k: number) {
  const after = out + k - 1 - before - length;
  const begin = Math.max(0, -before);
  const size = length - begin - Math.max(0, -after);
  return { pad: [Math.max(0, before), Math.max(0, after)], begin, size, crop: before < 0 || after < 0 };
}
