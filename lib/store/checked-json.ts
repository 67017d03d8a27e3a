import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { writeJsonAtomic } from "../util/atomic";
import { CorruptFileError } from "./safetensors";

/**
 * JSON files of the cache carry the SHA-256 of their own content (`sha256`, over the JSON of the other
 * fields), so an edited or damaged file is detected rather than trusted.
 */
const digest = (value: object) => createHash("sha256").update(JSON.stringify(value)).digest("hex");

export function writeCheckedJson(path: string, value: object): void {
  writeJsonAtomic(path, { ...value, sha256: digest(value) });
}

/** The object written by writeCheckedJson, or null when the file does not exist; CorruptFileError when it does not check out. */
export function readCheckedJson<T extends object>(path: string): T | null {
  if (!existsSync(path)) return null;
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    throw new CorruptFileError(`${path}: not valid JSON`);
  }
  const { sha256, ...value } = parsed;
  if (typeof sha256 !== "string") throw new CorruptFileError(`${path}: no sha256 (written before checksums were stored)`);
  if (digest(value) !== sha256) throw new CorruptFileError(`${path}: content does not match its sha256 (the file was damaged or edited)`);
  return value as T;
}
