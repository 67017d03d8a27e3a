import { existsSync, readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { UserError } from "../util/errors";

/** An IDX array (the MNIST file format): unsigned bytes with a shape. */
export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

const UBYTE = 0x08;

/**
 * Parses an IDX buffer, validating the magic number, the element type, the dimensions and the length.
 * `name` is used in error messages (usually the file path).
 */
export function parseIdx(buffer: Uint8Array, name: string): IdxArray {
  const fail = (what: string): never => {
    throw new UserError(`${name}: ${what}. The file is corrupt or not an IDX file; download it again.`);
  };
  if (buffer.length < 4) fail(`too short for an IDX header (${buffer.length} bytes)`);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  if (view.getUint16(0) !== 0) fail("bad magic number (first two bytes must be zero)");
  const type = buffer[2];
  if (type !== UBYTE) fail(`element type 0x${type.toString(16)} is not supported (expected 0x08, unsigned byte)`);
  const rank = buffer[3];
  if (rank < 1 || rank > 4) fail(`rank ${rank} out of range 1..4`);
  const headerBytes = 4 + 4 * rank;
  if (buffer.length < headerBytes) fail(`truncated header (${buffer.length} bytes, need ${headerBytes})`);
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(view.getUint32(4 + 4 * i));
  const count = shape.reduce((a, b) => a * b, 1);
  const actual = buffer.length - headerBytes;
  if (actual !== count) {
    fail(`header says shape [${shape.join(", ")}] = ${count} values but the file holds ${actual}` + (actual < count ? " (truncated)" : ""));
  }
  return { shape, data: buffer.subarray(headerBytes) };
}

/** Reads an IDX file, gunzipping it when it is gzip-compressed (by content, not by name). */
export function readIdxFile(path: string): IdxArray {
  if (!existsSync(path)) throw new UserError(`${path}: file not found.`);
  let bytes: Uint8Array = readFileSync(path);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new UserError(`${path}: gzip data is corrupt (${(e as Error).message}); download the file again.`);
    }
  }
  return parseIdx(bytes, path);
}

/** Encodes unsigned bytes as an IDX buffer (used by tests and tools that write data sets). */
export function encodeIdx(shape: number[], data: Uint8Array): Uint8Array {
  const header = new Uint8Array(4 + 4 * shape.length);
  const view = new DataView(header.buffer);
  header[2] = UBYTE;
  header[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}
