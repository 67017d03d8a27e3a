import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { writeFileAtomic } from "../util/atomic";
import { UserError } from "../util/errors";
import { HostParams } from "../models/params";

/**
 * Checkpoints in the safetensors format: an 8-byte little-endian header length, a JSON header
 * {__metadata__: {string: string}, name: {dtype: "F32", shape, data_offsets: [begin, end]}}, then the
 * raw little-endian float32 data. Readable by Python's `safetensors` and in a few lines of numpy.
 * Two checksums in the metadata are checked on every read, so that a file damaged without changing its
 * size is caught like a truncated one:
 *   sha256         the SHA-256 of the data section;
 *   header_sha256  the first metadata field: the SHA-256 of the 8 length bytes and the header as written,
 *                  with this field's 64 hex digits read as "0"s. It covers every byte before the data
 *                  (tensor names, shapes, offsets, the data's sha256), and so the whole file.
 * A file without header_sha256 (written by an older version) cannot be verified and is read as corrupt.
 */
export class CorruptFileError extends Error {}

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

/** The header starts with this, then the 64 hex digits of header_sha256 and a closing quote. */
const HEADER_START = new TextEncoder().encode('{"__metadata__":{"header_sha256":"');
const HASH_AT = 8 + HEADER_START.length;
const HEX = 64;

/** The header checksum of a file's first `8 + header length` bytes (`prefix`, left unchanged). */
function headerDigest(prefix: Uint8Array): string {
  const blanked = prefix.slice();
  blanked.fill(0x30, HASH_AT, HASH_AT + HEX); // "0"
  return sha256(blanked);
}

export function encodeSafetensors(tensors: HostParams, metadata: Record<string, string> = {}): Uint8Array {
  const names = Object.keys(tensors);
  const data = new Uint8Array(names.reduce((n, name) => n + tensors[name].data.byteLength, 0));
  let at = 0;
  for (const name of names) {
    const d = tensors[name].data;
    data.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), at);
    at += d.byteLength;
  }
  const { header_sha256: _h, sha256: _d, ...rest } = metadata;
  const header: Record<string, unknown> = { __metadata__: { header_sha256: "0".repeat(HEX), ...rest, sha256: sha256(data) } };
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
  out.set(new TextEncoder().encode(headerDigest(out.subarray(0, 8 + headerBytes.length))), HASH_AT);
  out.set(data, 8 + headerBytes.length);
  return out;
}

type Header = Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;

/** Decodes a safetensors file's bytes; `name` (its path) starts the message of any CorruptFileError. */
export function decodeSafetensors(bytes: Uint8Array, name: string): { tensors: HostParams; metadata: Record<string, string> } {
  const fail = (what: string): never => {
    throw new CorruptFileError(`${name}: ${what}`);
  };
  if (bytes.length < 8) fail("shorter than the 8-byte header length");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.length - 8) fail(`header length ${headerLength} exceeds the file`);
  const dataStart = 8 + headerLength;
  const stored = new TextDecoder().decode(bytes.subarray(HASH_AT, HASH_AT + HEX));
  if (dataStart < HASH_AT + HEX + 1 || HEADER_START.some((b, i) => bytes[8 + i] !== b) || !/^[0-9a-f]{64}$/.test(stored) || bytes[HASH_AT + HEX] !== 0x22) {
    let legacy = false;
    try {
      legacy = typeof JSON.parse(new TextDecoder().decode(bytes.subarray(8, dataStart))).__metadata__.sha256 === "string";
    } catch {
      /* damaged */
    }
    fail(legacy ? "no checksum of its header: written by an older version, so its header cannot be verified" : "its header does not start with its header_sha256 (the file was damaged)");
  }
  if (headerDigest(bytes.subarray(0, dataStart)) !== stored) fail("its header does not match the header_sha256 in it (the file was damaged)");
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch {
    return fail("header is not valid JSON");
  }
  const metadata = (header.__metadata__ ?? {}) as unknown as Record<string, string>;
  if (sha256(bytes.subarray(dataStart)) !== metadata.sha256) fail("its data does not match the sha256 in its metadata (the file was damaged)");
  const tensors: HostParams = {};
  for (const [key, entry] of Object.entries(header)) {
    if (key === "__metadata__") continue;
    if (entry?.dtype !== "F32") fail(`tensor ${key} has dtype ${entry?.dtype}; only F32 is supported`);
    const [begin, end] = Array.isArray(entry.data_offsets) ? entry.data_offsets : [NaN, NaN];
    const count = Array.isArray(entry.shape) && entry.shape.every((d) => Number.isInteger(d) && d >= 0) ? entry.shape.reduce((a, b) => a * b, 1) : NaN;
    if (!Number.isInteger(begin) || begin < 0 || end - begin !== count * 4 || dataStart + end > bytes.length) fail(`tensor ${key} lies outside the file or has the wrong size`);
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
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    // Not the content's fault (a folder, no permission): said in one line, and the file is left alone.
    throw new UserError(`cannot read ${path}: ${(e as Error).message.split("\n")[0]}`);
  }
  return decodeSafetensors(bytes, path);
}
