import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { writeFileAtomic } from "../util/atomic";
import { HostParams } from "../models/params";

/**
 * Checkpoints in the safetensors format: an 8-byte little-endian header length, a JSON header
 * {name: {dtype: "F32", shape, data_offsets: [begin, end]}, __metadata__: {string: string}}, then the
 * raw little-endian float32 data. Readable by Python's `safetensors` and in a few lines of numpy.
 * The metadata holds `sha256`, the SHA-256 of the data section, checked on every read: a file damaged
 * without changing its size is caught like a truncated one.
 */
export class CorruptFileError extends Error {}

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

export function encodeSafetensors(tensors: HostParams, metadata: Record<string, string> = {}): Uint8Array {
  const names = Object.keys(tensors);
  const data = new Uint8Array(names.reduce((n, name) => n + tensors[name].data.byteLength, 0));
  let at = 0;
  for (const name of names) {
    const d = tensors[name].data;
    data.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), at);
    at += d.byteLength;
  }
  const header: Record<string, unknown> = { __metadata__: { ...metadata, sha256: sha256(data) } };
  let offset = 0;
  for (const name of names) {
    const bytes = tensors[name].data.length * 4;
    header[name] = { dtype: "F32", shape: tensors[name].shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8); // align the data to 8 bytes
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  out.set(data, 8 + headerBytes.length);
  return out;
}

export function decodeSafetensors(bytes: Uint8Array, name: string): { tensors: HostParams; metadata: Record<string, string> } {
  const fail = (what: string): never => {
    throw new CorruptFileError(`${name}: ${what}`);
  };
  if (bytes.length < 8) fail("shorter than the 8-byte header length");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.length - 8) fail(`header length ${headerLength} exceeds the file`);
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    return fail("header is not valid JSON");
  }
  const dataStart = 8 + headerLength;
  const metadata = (header.__metadata__ ?? {}) as unknown as Record<string, string>;
  if (!metadata.sha256) fail("no sha256 of its data in the metadata (written before checksums were stored)");
  if (sha256(bytes.subarray(dataStart)) !== metadata.sha256) fail("its data does not match the sha256 in its metadata (the file was damaged)");
  const tensors: HostParams = {};
  for (const [key, entry] of Object.entries(header)) {
    if (key === "__metadata__") continue;
    if (entry.dtype !== "F32") fail(`tensor ${key} has dtype ${entry.dtype}; only F32 is supported`);
    const [begin, end] = entry.data_offsets;
    const count = entry.shape.reduce((a, b) => a * b, 1);
    if (end - begin !== count * 4 || dataStart + end > bytes.length) fail(`tensor ${key} lies outside the file or has the wrong size`);
    const copy = bytes.slice(dataStart + begin, dataStart + end);
    tensors[key] = { shape: entry.shape, data: new Float32Array(copy.buffer, copy.byteOffset, count) };
  }
  return { tensors, metadata };
}

export function writeSafetensors(path: string, tensors: HostParams, metadata: Record<string, string> = {}): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

export function readSafetensors(path: string): { tensors: HostParams; metadata: Record<string, string> } {
  if (!existsSync(path)) throw new CorruptFileError(`${path}: missing`);
  return decodeSafetensors(readFileSync(path), path);
}
