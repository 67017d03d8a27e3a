import { RunConfig } from "../store/run-config";
import { ensureRun, RunSummary } from "../store/runs";
import { linearPath, PathOptions, PathResult } from "../lmc/path";

/** Work that can run in a worker: plain data in, plain data out (results also land in the cache). */
export type Task =
  | { kind: "run"; config: RunConfig; checkpoints?: number[]; label?: string }
  | { kind: "path"; a: RunConfig; b: RunConfig; options: PathOptions };

export type TaskResult<T extends Task> = T extends { kind: "run" } ? RunSummary : PathResult;

export async function perform(task: Task): Promise<RunSummary | PathResult> {
  if (task.kind === "run") return ensureRun(task.config, { checkpoints: task.checkpoints, label: task.label });
  if (task.kind === "path") return linearPath(task.a, task.b, task.options);
  throw new Error(`unknown task kind ${(task as { kind: string }).kind}`);
}
