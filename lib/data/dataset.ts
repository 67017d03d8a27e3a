import { UserError } from "../util/errors";

/**
 * A labelled image data set held in host memory as normalised float32, examples in rows
 * (NHWC flattened). Train and test splits share `shape`.
 */
export interface Split {
  x: Float32Array;
  y: Int32Array;
  count: number;
}

export interface Dataset {
  name: string;
  /** Shape of one example, [height, width, channels]. */
  shape: [number, number, number];
  classes: number;
  train: Split;
  test: Split;
  /** A black pixel per channel after normalisation (what augmentation pads with); zeros when absent. */
  zeroPixel?: number[];
}

export function exampleSize(d: Pick<Dataset, "shape">): number {
  return d.shape[0] * d.shape[1] * d.shape[2];
}

/**
 * Normalises unsigned-byte pixels channel-wise: (p / 255 - mean[c]) / std[c]. Through a table of the 256
 * values per channel, each computed by that formula (in float64, then rounded to float32 as the array
 * stores it), so the result is the same bits as evaluating it per pixel, ten times faster.
 */
export function normalise(pixels: Uint8Array, channels: number, mean: number[], std: number[]): Float32Array {
  const table = new Float32Array(256 * channels);
  for (let c = 0; c < channels; c++) for (let p = 0; p < 256; p++) table[c * 256 + p] = (p / 255 - mean[c]) / std[c];
  const out = new Float32Array(pixels.length);
  if (channels === 1) {
    for (let i = 0; i < pixels.length; i++) out[i] = table[pixels[i]];
  } else {
    for (let i = 0, c = 0; i < pixels.length; i++, c = c + 1 === channels ? 0 : c + 1) out[i] = table[c * 256 + pixels[i]];
  }
  return out;
}

/**
 * Each image average-pooled over `factor` x `factor` blocks, per channel (CIFAR-10's 32x32 to 16x16 at 2): a
 * cheaper input of the same images. Pools the normalised values, summing in float64.
 */
export function averagePool(split: Split, shape: [number, number, number], factor: number): { split: Split; shape: [number, number, number] } {
  const [h, w, c] = shape;
  const [ph, pw] = [h / factor, w / factor];
  const inSize = h * w * c;
  const outSize = ph * pw * c;
  const x = new Float32Array(split.count * outSize);
  for (let n = 0; n < split.count; n++) {
    const src = n * inSize;
    const dst = n * outSize;
    for (let i = 0; i < ph; i++)
      for (let j = 0; j < pw; j++)
        for (let ch = 0; ch < c; ch++) {
          let sum = 0;
          for (let di = 0; di < factor; di++) for (let dj = 0; dj < factor; dj++) sum += split.x[src + ((i * factor + di) * w + j * factor + dj) * c + ch];
          x[dst + (i * pw + j) * c + ch] = sum / (factor * factor);
        }
  }
  return { split: { x, y: split.y, count: split.count }, shape: [ph, pw, c] };
}

/** The first `count` examples of a split (a reproducible training subset). */
export function takeFirst(split: Split, count: number, name: string): Split {
  if (!Number.isInteger(count) || count < 1 || count > split.count) {
    throw new UserError(`${name}: subset size ${count} must be an integer in 1..${split.count}.`);
  }
  const size = split.x.length / split.count;
  return { x: split.x.subarray(0, count * size), y: split.y.subarray(0, count), count };
}

export function labelsFrom(bytes: Uint8Array, classes: number, name: string): Int32Array {
  const y = new Int32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] >= classes) throw new UserError(`${name}: label ${bytes[i]} at index ${i} is out of range 0..${classes - 1}; the file is corrupt.`);
    y[i] = bytes[i];
  }
  return y;
}
