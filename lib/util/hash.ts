import { createHash } from "node:crypto";

/**
 * JSON with object keys sorted and null/undefined fields dropped, so that adding a new optional field
 * (default null) does not rename existing runs.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonical(value));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== null && v !== undefined) out[key] = canonical(v);
    }
    return out;
  }
  return value;
}

/** A short, stable name for a config: the first 16 hex digits of the SHA-256 of its canonical JSON. */
export function configHash(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex").slice(0, 16);
}
