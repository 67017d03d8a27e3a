import { describe, expect, it, vi } from "vitest";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeSafetensors, encodeSafetensors, CorruptFileError, readSafetensors, writeSafetensors } from "../lib/store/safetensors";
import { readState, writeState } from "../lib/store/runs";

const tensors = {
  "fc1.weight": { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, -6.5]) },
  "fc1.bias": { shape: [3], data: Float32Array.from([0.1, 0.2, 0.3]) },
};

describe("safetensors checkpoints", () => {
  it("round-trip tensors and metadata exactly", () => {
    const bytes = encodeSafetensors(tensors, { step: "42" });
    const { tensors: back, metadata } = decodeSafetensors(bytes, "x");
    expect(metadata.step).toBe("42");
    expect(metadata.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(back["fc1.weight"]).toEqual(tensors["fc1.weight"]);
    expect(back["fc1.bias"].data).toEqual(tensors["fc1.bias"].data);
  });
  it("follow the published layout: u64 header length, JSON header, raw little-endian f32", () => {
    const bytes = encodeSafetensors(tensors);
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header["fc1.weight"]).toEqual({ dtype: "F32", shape: [2, 3], data_offsets: [0, 24] });
    expect(new DataView(bytes.buffer).getFloat32(8 + n + 20, true)).toBe(-6.5);
  });
  it("detect truncation and garbage", () => {
    const bytes = encodeSafetensors(tensors);
    expect(() => decodeSafetensors(bytes.slice(0, bytes.length - 4), "ckpt")).toThrow(CorruptFileError);
    expect(() => decodeSafetensors(bytes.slice(0, 5), "ckpt")).toThrow(CorruptFileError);
    const garbage = bytes.slice();
    garbage[9] = 0x7b + 1;
    expect(() => decodeSafetensors(garbage, "ckpt")).toThrow(/^ckpt: .*the file was damaged/);
  });
  it("detect data damaged without a change of size, through the checksum in the metadata", () => {
    const bytes = encodeSafetensors(tensors);
    const damaged = bytes.slice();
    damaged[damaged.length - 5] ^= 0x01; // one bit of fc1.bias
    expect(damaged.length).toBe(bytes.length);
    expect(() => decodeSafetensors(damaged, "ckpt")).toThrow(/does not match the sha256/);
  });
});

describe("safetensors checkpoint headers", () => {
  const path = "/results/runs/0123456789abcdef/step-42.safetensors";
  const headerEnd = (bytes: Uint8Array) => 8 + Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));

  it("reject every single-bit flip of the length and header, with one line naming the file", () => {
    const bytes = encodeSafetensors(tensors, { step: "42", optimizerT: "42" });
    const end = headerEnd(bytes);
    const accepted: string[] = [];
    const badMessages: string[] = [];
    for (let i = 0; i < end; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const flipped = bytes.slice();
        flipped[i] ^= 1 << bit;
        try {
          decodeSafetensors(flipped, path);
          accepted.push(`byte ${i} bit ${bit}`);
        } catch (e) {
          const message = (e as Error).message;
          if (!(e instanceof CorruptFileError) || !message.startsWith(`${path}: `) || message.includes("\n")) badMessages.push(`byte ${i} bit ${bit}: ${message}`);
        }
      }
    }
    expect(end * 8).toBeGreaterThan(1000);
    expect(accepted).toEqual([]);
    expect(badMessages).toEqual([]);
  });

  it("load an intact file bit for bit", () => {
    const dir = mkdtempSync(join(tmpdir(), "st-"));
    const odd = { "w": { shape: [5], data: new Float32Array(new Uint32Array([0x80000000, 0x7fc00001, 0x00000001, 0x7f7fffff, 0xff800000]).buffer) } };
    writeSafetensors(join(dir, "a.safetensors"), odd, { step: "3" });
    const { tensors: back, metadata } = readSafetensors(join(dir, "a.safetensors"));
    expect(metadata.step).toBe("3");
    expect(Object.keys(back)).toEqual(["w"]);
    expect(back.w.shape).toEqual([5]);
    expect(new Uint32Array(back.w.data.buffer, back.w.data.byteOffset, 5)).toEqual(new Uint32Array(odd.w.data.buffer));
  });

  it("are checked in the store: a damaged header or one written before header checksums is discarded with one line naming it", () => {
    const dir = mkdtempSync(join(tmpdir(), "st-"));
    const state = { tensors, step: 42, optimizerT: 7 };
    const intact = join(dir, "step-42.safetensors");
    writeState(intact, state);
    const back = readState(intact)!;
    expect(back.step).toBe(42);
    expect(back.optimizerT).toBe(7);
    expect(back.tensors["fc1.weight"]).toEqual(tensors["fc1.weight"]);

    // A tensor renamed by one bit ("fc1.bias" -> "fc1.bia3") used to load as a model with a missing parameter.
    const renamed = join(dir, "step-43.safetensors");
    const bytes = readFileSync(intact);
    const at = bytes.indexOf(Buffer.from('"fc1.bias"')) + 8;
    bytes[at] ^= 0x40;
    writeFileSync(renamed, bytes);
    // The layout of the files written before the header was checksummed: only the data's sha256.
    const legacy = join(dir, "step-44.safetensors");
    writeFileSync(legacy, legacyEncode(tensors, { step: "44", optimizerT: "44" }));

    const warnings: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((s) => (warnings.push(String(s)), true));
    try {
      expect(readState(renamed)).toBeNull();
      expect(readState(legacy)).toBeNull();
    } finally {
      spy.mockRestore();
    }
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(new RegExp(`^warning: discarding ${renamed} \\(.*header.*\\); it will be recomputed\\n$`));
    expect(warnings[1]).toMatch(new RegExp(`^warning: discarding ${legacy} \\(.*older version.*\\); it will be recomputed\\n$`));
    expect(existsSync(renamed) || existsSync(legacy)).toBe(false);
    expect(existsSync(intact)).toBe(true);
  });

  it("name the file when it cannot be read at all", () => {
    const dir = mkdtempSync(join(tmpdir(), "st-"));
    expect(() => readSafetensors(dir)).toThrow(new RegExp(`^cannot read ${dir}: `));
  });
});

/** The encoder before header checksums: the metadata held only the SHA-256 of the data. */
function legacyEncode(ts: Record<string, { shape: number[]; data: Float32Array }>, metadata: Record<string, string>): Uint8Array {
  const data = Buffer.concat(Object.values(ts).map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)));
  const header: Record<string, unknown> = { __metadata__: { ...metadata, sha256: createHash("sha256").update(data).digest("hex") } };
  let offset = 0;
  for (const [name, t] of Object.entries(ts)) {
    header[name] = { dtype: "F32", shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, Buffer.from(json), data]);
}
