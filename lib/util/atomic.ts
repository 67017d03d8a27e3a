import { accessSync, closeSync, constants, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, resolve } from "node:path";
import { sweepStaleTemporaries } from "./stale-temporaries";
import { UserError } from "./errors";

/** A file the store could not write, with the cause and the fix in one line. */
export class StorageError extends UserError {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = "StorageError";
  }
}

function nearestExisting(path: string): string {
  let p = path;
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  return p;
}

const isFolder = (path: string) => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

/** A path that must be a folder (the results folder, or one of its folders) is a file. */
export function notAFolder(path: string): StorageError {
  return new StorageError(`${path} is a file, not a folder; move it away or set LOTTERY_RESULTS to a folder.`, "ENOTDIR");
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Turns a file-system error into one line naming the file, the cause and what to do. */
export function storageError(path: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException).code;
  const keep = "everything finished so far is kept";
  if (code === "ENOSPC" || code === "EDQUOT") {
    return new StorageError(`cannot write ${path}: no space left on its disk (${code}); free some space (or set LOTTERY_RESULTS to a folder on another disk) and run the same command again; ${keep}.`, code);
  }
  const folder = nearestExisting(dirname(path));
  if (code === "ENOTDIR" && !isFolder(folder)) return notAFolder(folder);
  if (code === "EISDIR" && isFolder(path)) return new StorageError(`cannot write ${path}: it is a folder; move it away, or set LOTTERY_RESULTS to another folder.`, code);
  if (code === "EACCES" || code === "EPERM" || code === "EROFS" || ((code === "ENOENT" || code === "EEXIST") && !writable(folder))) {
    return new StorageError(`cannot write ${path}: the folder ${folder} is not writable (${code}); make it writable, or set LOTTERY_RESULTS to a writable folder.`, code);
  }
  return e instanceof Error ? e : new Error(String(e));
}

/**
 * mkdir -p that fails with one clear line (a read-only folder, a full disk, a file where a folder should
 * be). It creates one level at a time: Node's recursive mkdir can loop forever where a folder cannot be
 * created (e.g. under /proc).
 */
export function ensureDir(dir: string): void {
  if (isFolder(dir)) return;
  const missing: string[] = [];
  let p = resolve(dir);
  for (; !existsSync(p) && dirname(p) !== p; p = dirname(p)) missing.unshift(p);
  if (!isFolder(p)) throw notAFolder(p);
  for (const p of missing) {
    try {
      mkdirSync(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EEXIST") continue;
      // Its parent exists, so ENOENT here means the parent takes no new entries.
      if (code === "ENOENT") throw new StorageError(`cannot create ${dir}/: the folder ${dirname(p)} is not writable (${code}); make it writable, or set LOTTERY_RESULTS to a writable folder.`, code);
      throw storageError(`${dir}/`, e);
    }
  }
}

/** Temporary files name their host and process, so that a later run can tell which ones were abandoned. */
export const temporaryTag = () => `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;

/**
 * Writes a file so that readers see either the old content or the complete new one, never a torn
 * write: write a temporary file in the same folder, flush it, then rename it over the target. On
 * failure the temporary file is removed; temporaries abandoned by crashed processes are removed the
 * first time this process writes into their folder.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  writeFilesAtomic([{ path, data }]);
}

/**
 * Writes several files that belong together (a figure's data and its report) so that none is replaced
 * unless all could be written: every temporary is written and flushed first, then all are renamed (a
 * rename needs no space). On failure every temporary is removed and every target keeps its old content.
 */
export function writeFilesAtomic(files: { path: string; data: string | Uint8Array }[]): void {
  const written: { tmp: string; path: string }[] = [];
  for (const { path, data } of files) {
    const dir = dirname(path);
    ensureDir(dir);
    sweepStaleTemporaries(dir);
    const tmp = `${path}.tmp-${temporaryTag()}`;
    written.push({ tmp, path });
    try {
      writeFileSync(tmp, data);
      const fd = openSync(tmp, "r");
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      for (const w of written) rmSync(w.tmp, { force: true });
      throw storageError(path, e);
    }
  }
  for (const { tmp, path } of written) {
    try {
      renameSync(tmp, path);
    } catch (e) {
      for (const w of written) rmSync(w.tmp, { force: true });
      throw storageError(path, e);
    }
  }
}

/** JSON as the store writes it: two-space indented, with a final newline. */
export const jsonText = (value: unknown) => JSON.stringify(value, null, 2) + "\n";

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, jsonText(value));
}
