import { isAbsolute, relative } from "node:path";
import { BackendName, backendFor, backendPinned, forcedBackend } from "./backend-choice";
import { Executor, currentExecutor, workerCount } from "./parallel/executor";
import { REPO_ROOT, resultsDir } from "./store/paths";

/**
 * Where a figure's work runs, decided in one place when it starts and recorded whole in its provenance:
 * the backend of every model its config names (LOTTERY_BACKEND for all, else each model's declared
 * preference: backend-choice.ts), the executor and its local workers, and the results folder.
 */
export interface Placement {
  /** The backend that trains and evaluates each model the config names. */
  backends: Record<string, BackendName>;
  /**
   * Why: "recorded" (every model on the backend that computed the folder being recomputed), "LOTTERY_BACKEND"
   * (the user forced one for every model) or "per model".
   */
  backendChoice: "recorded" | "LOTTERY_BACKEND" | "per model";
  executor: Executor["kind"];
  /** Local worker threads (null on Slurm, where each array element is one task). */
  workers: number | null;
  /** The results folder: relative to the repository, or "outside the repository" (a path there names a machine). */
  results: string;
}

/**
 * Every value of `key` in a figure config, without repeats: an object's own field first, then its children's,
 * depth first (configs nest settings, e.g. `standard`; a figure may train several models).
 */
export function fieldValues<T>(value: unknown, key: string, into: T[] = []): T[] {
  if (value === null || typeof value !== "object") return into;
  const own = !Array.isArray(value) && key in value ? (value as Record<string, T>)[key] : undefined;
  if (own !== undefined && !into.includes(own)) into.push(own);
  for (const [k, v] of Object.entries(value)) if (k !== key) fieldValues(v, key, into);
  return into;
}

export function placementOf(config: unknown): Placement {
  const models = fieldValues<unknown>(config, "model").filter((m): m is string => typeof m === "string");
  const executor = currentExecutor().kind;
  const rel = relative(REPO_ROOT, resultsDir());
  return {
    backends: Object.fromEntries(models.map((m) => [m, backendFor(m)])),
    backendChoice: backendPinned() ? "recorded" : forcedBackend() ? "LOTTERY_BACKEND" : "per model",
    executor,
    workers: executor === "local" ? workerCount() : null,
    results: rel.startsWith("..") || isAbsolute(rel) ? "outside the repository" : rel || ".",
  };
}

/** One line for the user: "lenet-300-100 on wasm-blas; 2 local workers; results in results/". */
export function placementLine(p: Placement): string {
  const backends = Object.entries(p.backends).map(([m, b]) => `${m} on ${b}`).join(", ") || "no model";
  const why = { recorded: " (all on the backend the results folder records)", LOTTERY_BACKEND: " (all forced by LOTTERY_BACKEND)", "per model": "" }[p.backendChoice];
  const where = p.executor === "local" ? `${p.workers} local worker${p.workers === 1 ? "" : "s"}` : "Slurm";
  return `runs on: ${backends}${why}; ${where}; results in ${p.results === "outside the repository" ? "LOTTERY_RESULTS, outside the repository" : `${p.results}/`}`;
}
