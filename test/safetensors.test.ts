import { describe, expect, it } from "vitest";
import { decodeSafetensors, encodeSafetensors, CorruptFileError } from "../lib/store/safetensors";

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
    expect(() => decodeSafetensors(garbage, "ckpt")).toThrow(/not valid JSON/);
  });
  it("detect data damaged without a change of size, through the checksum in the metadata", () => {
    const bytes = encodeSafetensors(tensors);
    const damaged = bytes.slice();
    damaged[damaged.length - 5] ^= 0x01; // one bit of fc1.bias
    expect(damaged.length).toBe(bytes.length);
    expect(() => decodeSafetensors(damaged, "ckpt")).toThrow(/does not match the sha256/);
  });
});
