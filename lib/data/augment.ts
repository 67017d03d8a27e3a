import { rng } from "../util/rng";
import { UserError } from "../util/errors";

/** The standard CIFAR augmentation: a random crop of the image padded by `padding` pixels, and a random horizontal flip. */
export interface AugmentSpec {
  padding: number;
  flip: boolean;
}

export interface Augmentation extends AugmentSpec {
  /** The value of a black pixel per channel after normalisation: what the padding is filled with (as torchvision pads before normalising). */
  fill: number[];
}

export const CROP_FLIP: AugmentSpec = { padding: 4, flip: true };

export function validateAugment(a: AugmentSpec): void {
  if (!(Number.isInteger(a.padding) && a.padding >= 0)) throw new UserError(`augmentation padding ${a.padding} must be a non-negative integer.`);
  if (typeof a.flip !== "boolean") throw new UserError(`augmentation flip must be true or false, not ${JSON.stringify(a.flip)}.`);
}

/**
 * Augments a batch in place (`x`: `count` NHWC examples). Example i of step s draws its crop offset and flip
 * from (dataSeed, s, i) alone, so a run resumed at any step sees the same images and runs stay bit-identical.
 */
export function augmentBatch(x: Float32Array, count: number, shape: [number, number, number], a: Augmentation, dataSeed: number, step: number): void {
  const [h, w, c] = shape;
  const size = h * w * c;
  const source = new Float32Array(size);
  const span = 2 * a.padding + 1;
  for (let i = 0; i < count; i++) {
    const random = rng(dataSeed, step, i, 0xa06);
    const dy = Math.floor(random() * span) - a.padding;
    const dx = Math.floor(random() * span) - a.padding;
    const flip = a.flip && random() < 0.5;
    const image = x.subarray(i * size, (i + 1) * size);
    source.set(image);
    for (let y = 0; y < h; y++) {
      const sy = y + dy;
      for (let xo = 0; xo < w; xo++) {
        const sx = (flip ? w - 1 - xo : xo) + dx;
        const out = (y * w + xo) * c;
        const inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
        for (let ch = 0; ch < c; ch++) image[out + ch] = inside ? source[(sy * w + sx) * c + ch] : a.fill[ch];
      }
    }
  }
}
