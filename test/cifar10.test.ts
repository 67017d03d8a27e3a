import { beforeEach, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encode } from "jpeg-js";
import { CIFAR10_CLASSES, CIFAR10_MEAN, CIFAR10_STD, loadCifar10, loadCifar10Jpeg } from "../lib/data/cifar10";
import { readTar } from "../lib/data/tar";

/** CIFAR-10 loaders on small archives and folders the tests write (the real ones are 170 MB). */
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cifar-"));
  process.env.LOTTERY_DATA = join(dir, "data");
  delete process.env.CIFAR10_SOURCE;
  delete process.env.CIFAR10_JPEG;
});

/** A record: label, then 1,024 bytes per channel (R, G, B), pixel p's value in channel c = (label + 3p + c) mod 256. */
const record = (label: number) => Uint8Array.from({ length: 3073 }, (_, i) => (i === 0 ? label : (label + 3 * ((i - 1) % 1024) + Math.floor((i - 1) / 1024)) % 256));
const tarGz = (folder: string, what: string, out: string) => {
  const r = spawnSync("tar", ["czf", out, "-C", folder, what]);
  expect(r.status, String(r.stderr)).toBe(0);
};

function binaryRelease(): string {
  const batches = join(dir, "src", "cifar-10-batches-bin");
  mkdirSync(batches, { recursive: true });
  for (let i = 1; i <= 5; i++) writeFileSync(join(batches, `data_batch_${i}.bin`), Buffer.concat([record(i), record(9)]));
  writeFileSync(join(batches, "test_batch.bin"), record(7));
  const archive = join(dir, "cifar-10-binary.tar.gz");
  tarGz(join(dir, "src"), "cifar-10-batches-bin", archive);
  return archive;
}

describe("CIFAR-10, binary release", () => {
  it("reads the archive's batches into normalised HWC examples, and caches them decoded", () => {
    process.env.CIFAR10_SOURCE = binaryRelease();
    const d = loadCifar10();
    expect(d.shape).toEqual([32, 32, 3]);
    expect([d.train.count, d.test.count]).toEqual([10, 1]);
    expect(Array.from(d.train.y)).toEqual([1, 9, 2, 9, 3, 9, 4, 9, 5, 9]);
    // Example 0 (label 1): pixel 5, channel 2 (blue) holds (1 + 15 + 2) mod 256 = 18.
    expect(d.train.x[5 * 3 + 2]).toBeCloseTo((18 / 255 - CIFAR10_MEAN[2]) / CIFAR10_STD[2], 5);
    expect(readFileSync(join(dir, "data", "cifar10", "test.bin")).length).toBe(3073);
    process.env.CIFAR10_SOURCE = join(dir, "gone.tar.gz"); // the cache is read from now on
    expect(loadCifar10().train.count).toBe(10);
  });

  it("names a truncated archive, a missing batch and a missing file, with the fix", () => {
    const archive = binaryRelease();
    const cut = join(dir, "cut.tar.gz");
    writeFileSync(cut, readFileSync(archive).subarray(0, 200));
    process.env.CIFAR10_SOURCE = cut;
    expect(() => loadCifar10()).toThrow(/cut\.tar\.gz: .*(truncated|corrupt).*download it again/);
    process.env.CIFAR10_SOURCE = join(dir, "src");
    writeFileSync(join(dir, "src", "cifar-10-batches-bin", "test_batch.bin"), new Uint8Array(100));
    expect(() => loadCifar10()).toThrow("test_batch.bin has 100 bytes, not a whole number of 3073-byte records");
    process.env.CIFAR10_SOURCE = join(dir, "nowhere.tar.gz");
    expect(() => loadCifar10()).toThrow("run `npm run data -- cifar10` to download it");
  });

  it("rejects a tar header whose checksum does not match", () => {
    binaryRelease();
    const raw = spawnSync("tar", ["cf", "-", "-C", join(dir, "src"), "cifar-10-batches-bin"]).stdout as Buffer;
    raw[0] ^= 1;
    expect(() => readTar(raw, "bad.tar")).toThrow("bad.tar: tar header checksum mismatch at byte 0");
  });
});

describe("CIFAR-10, image folder (JPEG re-encoded)", () => {
  const solid = (r: number, g: number, b: number) => encode({ data: Buffer.from(Array.from({ length: 1024 }, () => [r, g, b, 255]).flat()), width: 32, height: 32 }, 100).data;
  function folder(): string {
    const root = join(dir, "images");
    for (const split of ["train", "test"]) {
      for (const [label, cls] of CIFAR10_CLASSES.slice(0, 3).entries()) {
        mkdirSync(join(root, split, cls), { recursive: true });
        for (let i = 0; i < (split === "train" ? 2 : 1); i++) writeFileSync(join(root, split, cls, `${i}.jpg`), solid(40 * label, 100, 200));
      }
    }
    return root;
  }

  it("decodes a folder and its .tar.gz alike, classes interleaved so that a subset is balanced", () => {
    const root = folder();
    process.env.CIFAR10_JPEG = root;
    const fromFolder = loadCifar10Jpeg();
    expect(fromFolder.name).toBe("cifar10-jpeg");
    expect(Array.from(fromFolder.train.y)).toEqual([0, 1, 2, 0, 1, 2]);
    // Solid colours survive JPEG within a grey level or two.
    const red = (i: number) => (fromFolder.train.x[i * 3072] * CIFAR10_STD[0] + CIFAR10_MEAN[0]) * 255;
    expect(Math.abs(red(2) - 80)).toBeLessThan(3);
    tarGz(dir, "images", join(dir, "images.tar.gz"));
    process.env.CIFAR10_JPEG = join(dir, "images.tar.gz");
    const fromArchive = loadCifar10Jpeg();
    expect(fromArchive.train.x).toEqual(fromFolder.train.x);
    expect(Array.from(fromArchive.test.y)).toEqual([0, 1, 2]);
  });

  it("names a corrupt image, a foreign class and a wrong size", () => {
    const root = folder();
    process.env.CIFAR10_JPEG = root;
    writeFileSync(join(root, "train", "bird", "1.jpg"), "not a jpeg");
    expect(() => loadCifar10Jpeg()).toThrow(/train\/bird\/1\.jpg: not a decodable JPEG .* the file is corrupt/);
    writeFileSync(join(root, "train", "bird", "1.jpg"), encode({ data: Buffer.alloc(16 * 16 * 4, 255), width: 16, height: 16 }, 90).data);
    expect(() => loadCifar10Jpeg()).toThrow("train/bird/1.jpg: 16x16 pixels, expected 32x32 CIFAR images.");
    mkdirSync(join(root, "train", "unicorn"));
    writeFileSync(join(root, "train", "unicorn", "0.jpg"), solid(0, 0, 0));
    expect(() => loadCifar10Jpeg()).toThrow("train/unicorn is not a CIFAR-10 class");
  });
});
