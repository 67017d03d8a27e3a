import { RunConfig } from "../store/run-config";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { readSummary, runDir, RunSummary } from "../store/runs";
import { ensureRun } from "../materialise/run";
import { linearPath, pathCachePath, PathOptions, PathResult } from "../lmc/path";
import { FlatnessOptions, LevelFlatness, flatnessCachePath, levelFlatness } from "../analyses/flatness";

/** Work that can run in a worker: plain data in, plain data out (results also land in the cache). */
export type Task =
  | { kind: "run"; config: RunConfig; checkpoints?: number[]; label?: string }
  | { kind: "path"; a: RunConfig; b: RunConfig; options: PathOptions }
  | { kind: "flatness"; level: RunConfig; next: RunConfig; options: FlatnessOptions };

export type TaskResult<T extends Task> = T extends { kind: "run" } ? RunSummary : T extends { kind: "path" } ? PathResult : LevelFlatness;

export async function perform(task: Task): Promise<RunSummary | PathResult | LevelFlatness> {
  if (task.kind === "run") return ensureRun(task.config, { checkpoints: task.checkpoints, label: task.label });
  if (task.kind === "path") return linearPath(task.a, task.b, task.options);
  if (task.kind === "flatness") return levelFlatness(task.level, task.next, task.options);
  throw new Error(`unknown task kind ${(task as { kind: string }).kind}`);
}

/** Whether a task's result is already in the cache (then it is read here rather than sent to a worker). */
export function isCached(task: Task): boolean {
  if (task.kind === "path") return existsSync(pathCachePath(task.a, task.b, task.options));
  if (task.kind === "flatness") return existsSync(flatnessCachePath(task.level, task.next, task.options));
  const dir = runDir(task.config);
  return readSummary(task.config) !== null && (task.checkpoints ?? []).every((s) => existsSync(join(dir, `step-${s}.safetensors`)));
}
