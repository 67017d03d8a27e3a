import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { cacheDir } from "./paths";
import { configHash } from "../util/hash";
import { writeJsonAtomic } from "../util/atomic";

/**
 * Memoises a JSON-serialisable computation on disk under results/cache/<kind>/<hash of key>.json.
 * An unreadable entry (which atomic writes should prevent) is discarded and recomputed.
 */
export function cachedPath(kind: string, key: unknown): string {
  return join(cacheDir(), kind, `${configHash(key)}.json`);
}

export async function cachedJson<T>(kind: string, key: unknown, compute: () => Promise<T>): Promise<T> {
  const path = cachedPath(kind, key);
  if (existsSync(path)) {
    try {
      return JSON.parse(readFileSync(path, "utf8")).value as T;
    } catch {
      rmSync(path, { force: true });
    }
  }
  const value = await compute();
  writeJsonAtomic(path, { key, value });
  return value;
}
