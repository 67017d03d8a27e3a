import * as tf from "@tensorflow/tfjs";
import { convInfo, free, heapF32, Info, KernelFunc, kernelArgs, matMul, reshape, transpose, WasmBackend } from "./wasm-ops";

/**
 * Conv2DBackpropFilter, which tfjs-backend-wasm 4.22 lacks (so training a conv net on wasm throws).
 * With the input unrolled into patches [N*outH*outW, kh*kw*inC] (im2col), the filter gradient is one
 * matrix product, dW = patches^T @ dy, run by XNNPACK.
 */
export const conv2DBackpropFilter: KernelFunc = (args) => {
  const { inputs, backend, attrs } = kernelArgs<{ x: Info; dy: Info }, tf.Conv2DBackpropFilterAttrs>(args);
  const info = convInfo(inputs.x.shape as [number, number, number, number], attrs.filterShape, attrs);
  const rows = info.batchSize * info.outHeight * info.outWidth;
  const patches = im2col(backend, inputs.x, info);
  const dy = reshape(backend, inputs.dy, [rows, info.outChannels]);
  // dy^T @ patches keeps both operands untransposed (XNNPACK's only path) and transposes the smaller
  // matrices: dy rather than the kh*kw times larger patches, then the small [outC, kh*kw*inC] result.
  const dyT = transpose(backend, dy, [1, 0]);
  const dWT = matMul(backend, dyT, patches);
  const dW = transpose(backend, dWT, [1, 0]);
  const out = reshape(backend, dW, attrs.filterShape);
  free(backend, patches, dy, dyT, dWT, dW);
  return out;
};

/** The conv's input windows as rows [N*outH*outW, kh*kw*inC], in the filter's (kh, kw, inC) order. */
function im2col(backend: WasmBackend, x: Info, info: tf.backend_util.Conv2DInfo): Info {
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth, filterHeight: kh, filterWidth: kw } = info;
  const { strideHeight: sh, strideWidth: sw, padInfo } = info;
  const rowLength = kw * c;
  const out = backend.makeOutput([batchSize * outHeight * outWidth, kh * rowLength], "float32");
  const { heap, at: src } = heapF32(backend, x);
  let o = heapF32(backend, out).at;
  for (let n = 0; n < batchSize; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        // A window row is contiguous in NHWC: copy its in-bounds part [first, last) at once, zero the rest.
        const left = ow * sw - padInfo.left;
        const first = Math.max(0, -left) * c;
        const last = Math.min(kw, inWidth - left) * c;
        for (let dh = 0; dh < kh; dh++) {
          const ih = oh * sh - padInfo.top + dh;
          if (ih < 0 || ih >= inHeight || last <= first) {
            heap.fill(0, o, o + rowLength);
          } else {
            const from = src + ((n * inHeight + ih) * inWidth + left) * c;
            if (first > 0) heap.fill(0, o, o + first);
            heap.copyWithin(o + first, from + first, from + last);
            if (last < rowLength) heap.fill(0, o + last, o + rowLength);
          }
          o += rowLength;
        }
      }
    }
  }
  return out;
}
