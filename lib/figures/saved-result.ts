import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Provenance } from "../report/provenance";

/** A results folder as a figure wrote it: data.json (`{ config, ...computed }`) and provenance.json. */
export interface SavedResult {
  data: { config: unknown } & Record<string, unknown>;
  config: unknown;
  computed: Record<string, unknown>;
  provenance: Provenance;
}

/** The folder's result, or null when data.json or provenance.json is missing. */
export function readSavedResult(dir: string): SavedResult | null {
  const dataPath = join(dir, "data.json");
  const provPath = join(dir, "provenance.json");
  if (!existsSync(dataPath) || !existsSync(provPath)) return null;
  const data = JSON.parse(readFileSync(dataPath, "utf8"));
  const { config, ...computed } = data;
  return { data, config, computed, provenance: JSON.parse(readFileSync(provPath, "utf8")) };
}
