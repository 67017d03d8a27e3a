import { existsSync, rmSync } from "node:fs";
import { CorruptFileError } from "./safetensors";

/** Says that a damaged cache file is being discarded, once, on stderr (it will be recomputed). */
export function warnDiscarded(path: string, e: Error): void {
  process.stderr.write(`warning: discarding ${path} (${e.message.replace(`${path}: `, "")}); it will be recomputed\n`);
}

/**
 * Reads a cache file with `read`; a missing file gives null, and so does a damaged one (CorruptFileError),
 * which is deleted with a warning so that it is recomputed rather than trusted.
 */
export function readOrDiscard<T>(path: string, read: (path: string) => T): T | null {
  if (!existsSync(path)) return null;
  try {
    return read(path);
  } catch (e) {
    if (!(e instanceof CorruptFileError)) throw e;
    warnDiscarded(path, e);
    rmSync(path, { force: true });
    return null;
  }
}
