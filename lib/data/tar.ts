import { gunzipSync } from "node:zlib";
import { UserError } from "../util/errors";

/** One regular file of a tar archive. */
export interface TarEntry {
  name: string;
  data: Uint8Array;
}

/**
 * The regular files of a (gzipped) POSIX tar archive, in archive order. Enough of ustar for data archives:
 * 512-byte headers, octal sizes, GNU long names; links and devices are skipped. A truncated or corrupt
 * archive is a UserError naming it.
 */
export function readTar(bytes: Uint8Array, name: string): TarEntry[] {
  let buf = bytes;
  if (buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      throw new UserError(`${name}: not a valid gzip stream (${(e as Error).message}); the file is truncated or corrupt, download it again.`);
    }
  }
  const text = (from: number, length: number) => {
    const field = buf.subarray(from, from + length);
    const end = field.indexOf(0);
    return Buffer.from(end < 0 ? field : field.subarray(0, end)).toString("utf8");
  };
  const entries: TarEntry[] = [];
  let longName: string | null = null;
  for (let at = 0; at + 512 <= buf.length; ) {
    if (buf.subarray(at, at + 512).every((b) => b === 0)) return entries; // end of archive
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : buf[at + i];
    const stored = parseInt(text(at + 148, 8).trim(), 8);
    if (stored !== sum) throw new UserError(`${name}: tar header checksum mismatch at byte ${at}; the archive is corrupt, download it again.`);
    const size = parseInt(text(at + 124, 12).trim() || "0", 8);
    const type = String.fromCharCode(buf[at + 156] || 48);
    const prefix = text(at + 345, 155);
    const entryName = longName ?? (prefix ? `${prefix}/${text(at, 100)}` : text(at, 100));
    const start = at + 512;
    if (start + size > buf.length) throw new UserError(`${name}: ${entryName} is cut short (archive truncated); download it again.`);
    const data = buf.subarray(start, start + size);
    longName = null;
    if (type === "L") longName = Buffer.from(data).toString("utf8").replace(/\0+$/, "");
    else if (type === "0" || type === "\0") entries.push({ name: entryName, data });
    at = start + Math.ceil(size / 512) * 512;
  }
  throw new UserError(`${name}: the archive ends without its end marker (truncated); download it again.`);
}
