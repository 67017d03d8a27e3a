import * as tf from "@tensorflow/tfjs";
import { convInfo, free, heapF32, Info, KernelFunc, kernelArgs, matMul, reshape, WasmBackend } from "./wasm-ops";

/**
 * Conv2DBackpropFilter, which tfjs-backend-wasm 4.22 lacks (so training a conv net on wasm throws).
 * With the input unrolled into patches (im2col), the filter gradient is one matrix product,
 * dW = patches^T @ dy, run by XNNPACK. The patches are written already transposed: XNNPACK takes only
 * untransposed operands, and transposing them (in wasm, or in XNNPACK's weight packing when they are the
 * right operand) cost more than the product itself.
 */
export const conv2DBackpropFilter: KernelFunc = (args) => {
  const { inputs, backend, attrs } = kernelArgs<{ x: Info; dy: Info }, tf.Conv2DBackpropFilterAttrs>(args);
  const info = convInfo(inputs.x.shape as [number, number, number, number], attrs.filterShape, attrs);
  const patchesT = im2colTransposed(backend, inputs.x, info);
  const dy = reshape(backend, inputs.dy, [patchesT.shape[1], info.outChannels]);
  const dW = matMul(backend, patchesT, dy);
  const out = reshape(backend, dW, attrs.filterShape);
  free(backend, patchesT, dy, dW);
  return out;
};

/**
 * The conv's input windows as columns: row (dh, dw, c), in the filter's order, holds x[n, ih, iw, c] for
 * every output position (n, oh, ow), 0 where the window hangs over the padding. Filled image by image so
 * that an image stays in cache while all kh*kw*inC rows read it.
 */
function im2colTransposed(backend: WasmBackend, x: Info, info: tf.backend_util.Conv2DInfo): Info {
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth, filterHeight: kh, filterWidth: kw } = info;
  const { strideHeight: sh, strideWidth: sw, padInfo } = info;
  const positions = batchSize * outHeight * outWidth;
  const out = backend.makeOutput([kh * kw * c, positions], "float32");
  const { heap, at: src } = heapF32(backend, x);
  const dst = heapF32(backend, out).at;
  for (let n = 0; n < batchSize; n++) {
    let row = dst + n * outHeight * outWidth;
    for (let dh = 0; dh < kh; dh++) {
      for (let dw = 0; dw < kw; dw++) {
        // Output columns ow in [first, last) read input column ow*sw + shift inside the image.
        const shift = dw - padInfo.left;
        const first = Math.min(outWidth, Math.max(0, Math.ceil(-shift / sw)));
        const last = Math.max(first, Math.min(outWidth, Math.floor((inWidth - 1 - shift) / sw) + 1));
        for (let ch = 0; ch < c; ch++, row += positions) {
          for (let oh = 0, o = row; oh < outHeight; oh++, o += outWidth) {
            const ih = oh * sh + dh - padInfo.top;
            if (ih < 0 || ih >= inHeight) {
              heap.fill(0, o, o + outWidth);
              continue;
            }
            const from = src + ((n * inHeight + ih) * inWidth + shift) * c + ch;
            // Plain loops: the edges are a cell or two, too short to repay a call to fill().
            let ow = 0;
            for (; ow < first; ow++) heap[o + ow] = 0;
            for (; ow < last; ow++) heap[o + ow] = heap[from + ow * sw * c];
            for (; ow < outWidth; ow++) heap[o + ow] = 0;
          }
        }
      }
    }
  }
  return out;
}
