import { join } from "node:path";
import { cacheDir } from "./paths";
import { configHash } from "../util/hash";
import { readCheckedJson, writeCheckedJson } from "./checked-json";
import { withLock } from "./lock";
import { readOrDiscard } from "./discard";

/**
 * Memoises a JSON-serialisable computation on disk under results/cache/<kind>/<hash of key>.json.
 * Computed under a lock, like runs, so that two workers or processes never compute the same entry twice;
 * an entry that fails its checksum is discarded and recomputed.
 */
export function cachedPath(kind: string, key: unknown): string {
  return join(cacheDir(), kind, `${configHash(key)}.json`);
}

function read<T>(path: string): T | null {
  return readOrDiscard(path, (p) => readCheckedJson<{ value: T }>(p))?.value ?? null;
}

export async function cachedJson<T>(kind: string, key: unknown, compute: () => Promise<T>): Promise<T> {
  const path = cachedPath(kind, key);
  const hit = read<T>(path);
  if (hit !== null) return hit;
  return withLock(`${path}.lock`, async () => {
    const done = read<T>(path); // computed by another worker while we waited
    if (done !== null) return done;
    const value = await compute();
    writeCheckedJson(path, { key, value });
    return value;
  }, { what: `${kind} ${configHash(key).slice(0, 12)}` });
}
