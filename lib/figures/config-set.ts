import { UserError } from "../util/errors";
import { configHash } from "../util/hash";

/**
 * `--set train.lr=0.05`: one field of a preset's config changed from the command line. The value is read as
 * JSON (numbers, booleans, null, arrays, objects), else as a string; the path must already exist, so a typo
 * is one clear line rather than a silently ignored key.
 */
export interface ConfigSet {
  path: string[];
  value: unknown;
}

export function parseSet(arg: string): ConfigSet {
  const eq = arg.indexOf("=");
  if (eq <= 0) throw new UserError(`--set ${arg}: expected <path>=<value>, e.g. --set train.lr=0.05.`);
  const raw = arg.slice(eq + 1);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = raw;
  }
  return { path: arg.slice(0, eq).split("."), value };
}

/** A copy of `config` with every set applied, in order. */
export function applySets<C>(config: C, sets: ConfigSet[]): C {
  const out = structuredClone(config) as Record<string, unknown>;
  for (const { path, value } of sets) {
    let node: Record<string, unknown> = out;
    path.forEach((key, i) => {
      if (node === null || typeof node !== "object" || !(key in node)) {
        const at = path.slice(0, i).join(".") || "the config";
        const keys = node && typeof node === "object" ? Object.keys(node).join(", ") : "none (not an object)";
        throw new UserError(`--set ${path.join(".")}: ${at} has no field "${key}"; its fields: ${keys}.`);
      }
      if (i === path.length - 1) node[key] = value;
      else node = node[key] as Record<string, unknown>;
    });
  }
  return out as C;
}

/** The results folder's suffix for a changed config, so that it never replaces the preset's own results. */
export function setSuffix(sets: ConfigSet[]): string {
  return `set-${configHash(sets).slice(0, 8)}`;
}
