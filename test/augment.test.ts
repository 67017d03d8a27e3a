import { describe, expect, it } from "vitest";
import { augmentBatch, Augmentation, validateAugment } from "../lib/data/augment";

const shape: [number, number, number] = [5, 6, 2];
const size = 5 * 6 * 2;
/** Two distinct images: pixel value encodes (example, y, x, channel). */
const batch = () => Float32Array.from({ length: 2 * size }, (_, i) => i + 1);
const aug: Augmentation = { padding: 2, flip: true, fill: [-7, -9] };

/** The image cropped at offset (dy, dx) of its padded version, optionally flipped, computed directly. */
function expected(image: Float32Array, dy: number, dx: number, flip: boolean): Float32Array {
  const [h, w, c] = shape;
  const out = new Float32Array(size);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let ch = 0; ch < c; ch++) {
        const sx = (flip ? w - 1 - x : x) + dx;
        const sy = y + dy;
        out[(y * w + x) * c + ch] = sy >= 0 && sy < h && sx >= 0 && sx < w ? image[(sy * w + sx) * c + ch] : aug.fill[ch];
      }
  return out;
}

describe("augmentation (random crop with padding, horizontal flip)", () => {
  it("gives each example one of the padded crops, flipped or not, filling the padding per channel", () => {
    for (let step = 0; step < 20; step++) {
      const original = batch();
      const x = batch();
      augmentBatch(x, 2, shape, aug, 3, step);
      for (let i = 0; i < 2; i++) {
        const image = original.subarray(i * size, (i + 1) * size);
        const got = x.subarray(i * size, (i + 1) * size);
        const matches = [];
        for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) for (const flip of [false, true]) if (expected(image, dy, dx, flip).every((v, j) => v === got[j])) matches.push([dy, dx, flip]);
        expect(matches.length).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it("is determined by (data seed, step): same inputs, same bits; another seed or step, other crops", () => {
    const run = (seed: number, step: number) => {
      const x = batch();
      augmentBatch(x, 2, shape, aug, seed, step);
      return x;
    };
    expect(run(3, 7)).toEqual(run(3, 7));
    const distinct = new Set([run(3, 7), run(4, 7), run(3, 8), run(5, 1)].map((x) => Array.from(x).join(",")));
    expect(distinct.size).toBeGreaterThan(1);
  });

  it("draws crops over the whole range and flips about half of the time", () => {
    const offsets = new Set<string>();
    let flips = 0;
    let identical = 0;
    const n = 400;
    for (let step = 0; step < n; step++) {
      const original = batch();
      const x = batch();
      augmentBatch(x, 1, shape, { ...aug, padding: 1 }, 11, step);
      const image = original.subarray(0, size);
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++)
          for (const flip of [false, true]) {
            if (expected(image, dy, dx, flip).every((v, j) => v === x[j])) {
              offsets.add(`${dy},${dx}`);
              if (flip) flips++;
              if (!flip && dy === 0 && dx === 0) identical++;
            }
          }
    }
    expect(offsets.size).toBe(9);
    expect(flips / n).toBeGreaterThan(0.4);
    expect(flips / n).toBeLessThan(0.6);
    expect(identical).toBeLessThan(n / 9);
  });

  it("with no padding and no flip leaves the batch unchanged", () => {
    const x = batch();
    augmentBatch(x, 2, shape, { padding: 0, flip: false, fill: [0, 0] }, 1, 1);
    expect(x).toEqual(batch());
  });

  it("refuses a bad specification with one line", () => {
    expect(() => validateAugment({ padding: -1, flip: true })).toThrow(/padding -1 must be a non-negative integer/);
    expect(() => validateAugment({ padding: 4, flip: "yes" as unknown as boolean })).toThrow(/flip must be true or false/);
  });
});
