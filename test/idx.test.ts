import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { encodeIdx, parseIdx, readIdxFile } from "../lib/data/idx";
import { loadMnistFormat } from "../lib/data/mnist";
import { UserError } from "../lib/util/errors";

const images = () => encodeIdx([2, 3, 3], Uint8Array.from({ length: 18 }, (_, i) => i * 10));

describe("IDX reader", () => {
  it("parses shape and data", () => {
    const a = parseIdx(images(), "x");
    expect(a.shape).toEqual([2, 3, 3]);
    expect(Array.from(a.data.slice(0, 3))).toEqual([0, 10, 20]);
  });

  it("reads raw and gzipped files alike", () => {
    const dir = mkdtempSync(join(tmpdir(), "idx-"));
    writeFileSync(join(dir, "raw"), images());
    writeFileSync(join(dir, "gz"), gzipSync(images()));
    expect(readIdxFile(join(dir, "gz"))).toEqual(readIdxFile(join(dir, "raw")));
  });

  it.each([
    ["truncated data", () => images().slice(0, 20), /holds 4.*truncated/],
    ["extra data", () => new Uint8Array([...images(), 1]), /holds 19/],
    ["bad magic", () => Object.assign(images(), { 0: 1 }), /magic/],
    ["wrong element type", () => Object.assign(images(), { 2: 0x0d }), /element type 0xd/],
    ["truncated header", () => images().slice(0, 6), /truncated header/],
    ["empty file", () => new Uint8Array(0), /too short/],
  ])("rejects %s with a message naming the file", (_, make, pattern) => {
    const err = (() => {
      try {
        parseIdx(make(), "/data/train-images");
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(UserError);
    expect(err!.message).toMatch(/^\/data\/train-images: /);
    expect(err!.message).toMatch(pattern);
    expect(err!.message).toMatch(/download it again/);
  });

  it("rejects corrupt gzip and missing files clearly", () => {
    const dir = mkdtempSync(join(tmpdir(), "idx-"));
    writeFileSync(join(dir, "bad.gz"), gzipSync(images()).slice(0, 15));
    expect(() => readIdxFile(join(dir, "bad.gz"))).toThrow(/gzip data is corrupt/);
    expect(() => readIdxFile(join(dir, "nope"))).toThrow(/file not found/);
  });

  it("loads an MNIST-format folder and checks that images and labels agree", () => {
    const dir = mkdtempSync(join(tmpdir(), "mnistfmt-"));
    const img = (n: number) => encodeIdx([n, 28, 28], new Uint8Array(n * 784).fill(255));
    writeFileSync(join(dir, "train-images-idx3-ubyte.gz"), gzipSync(img(3)));
    writeFileSync(join(dir, "train-labels-idx1-ubyte"), encodeIdx([3], Uint8Array.from([0, 1, 9])));
    writeFileSync(join(dir, "t10k-images-idx3-ubyte"), img(2));
    writeFileSync(join(dir, "t10k-labels-idx1-ubyte"), encodeIdx([2], Uint8Array.from([4, 5])));
    const d = loadMnistFormat("toy", dir, 0.5, 0.5, "hint");
    expect(d.train.count).toBe(3);
    expect(d.train.x[0]).toBeCloseTo(1); // (1 - 0.5) / 0.5
    expect(Array.from(d.test.y)).toEqual([4, 5]);
    writeFileSync(join(dir, "t10k-labels-idx1-ubyte"), encodeIdx([3], Uint8Array.from([4, 5, 6])));
    expect(() => loadMnistFormat("toy", dir, 0.5, 0.5, "hint")).toThrow(/expected 2 labels/);
    writeFileSync(join(dir, "t10k-labels-idx1-ubyte"), encodeIdx([2], Uint8Array.from([4, 12])));
    expect(() => loadMnistFormat("toy", dir, 0.5, 0.5, "hint")).toThrow(/label 12 .* out of range/);
  });
});
