import { Task } from "./tasks";
import { RunConfig, runDependencies, runHash, startStep } from "../store/run-config";
import { readSummary } from "../store/runs";
import { formatDuration } from "../util/progress";

/**
 * The whole figure's progress, across the waves of tasks it submits to the pool: runs and path
 * evaluations done of those submitted, and an ETA from the rates so far. A figure submits its waves one
 * after the other, so the totals grow as later waves are planned; the line says which wave it is in.
 * A run task counts every uncached run it trains on the way (an IMP chain is one task that trains each
 * level in turn), so the totals and the ETA cover the whole chain.
 */
interface Tally {
  label: string;
  started: number;
  waves: number;
  /** Steps of every uncached run the waves need, by hash; `finished` holds those done. */
  pending: Map<string, number>;
  finished: Set<string>;
  stepsDone: number;
  paths: number;
  pathsDone: number;
  pathSeconds: number;
}

let current: Tally | null = null;

/** Tracks the tasks `fn` submits to the pool under one label (e.g. the figure id). */
export async function trackFigure<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const outer = current;
  current = { label, started: Date.now(), waves: 0, pending: new Map(), finished: new Set(), stepsDone: 0, paths: 0, pathsDone: 0, pathSeconds: 0 };
  try {
    return await fn();
  } finally {
    current = outer;
  }
}

/** The runs a run task trains: its own and its uncached dependencies', each with its steps, by hash. */
const taskRuns = new WeakMap<Task, Map<string, number>>();

const stepsOf = (config: RunConfig) => config.train.steps - startStep(config);

/** The runs that training `config` trains first because they are not cached, with their steps, by hash. */
function uncachedDependencies(config: RunConfig, into = new Map<string, number>()): Map<string, number> {
  for (const d of runDependencies(config)) {
    const hash = runHash(d);
    if (into.has(hash) || readSummary(d) !== null) continue;
    into.set(hash, stepsOf(d));
    uncachedDependencies(d, into);
  }
  return into;
}

/** A wave of tasks that must be computed (cached ones are not counted). */
export function waveStarted(tasks: Task[]): void {
  if (!current || tasks.length === 0) return;
  current.waves++;
  for (const t of tasks) {
    if (t.kind !== "run") {
      current.paths++;
      continue;
    }
    const runs = uncachedDependencies(t.config, new Map([[runHash(t.config), stepsOf(t.config)]]));
    taskRuns.set(t, runs);
    for (const [hash, steps] of runs) if (!current.pending.has(hash)) current.pending.set(hash, steps);
  }
}

export function taskFinished(task: Task, seconds: number): void {
  if (!current) return;
  if (task.kind === "run") {
    for (const [hash, steps] of taskRuns.get(task) ?? []) {
      if (current.finished.has(hash) || !current.pending.has(hash)) continue;
      current.finished.add(hash);
      current.stepsDone += steps;
    }
  } else {
    current.pathsDone++;
    current.pathSeconds += seconds;
  }
}

/** One line, or null outside a tracked figure. Training time is extrapolated per step, evaluations per task. */
export function figureLine(workers: number): string | null {
  const t = current;
  if (!t || t.waves === 0) return null;
  const elapsed = (Date.now() - t.started) / 1000;
  const trainingElapsed = Math.max(elapsed - t.pathSeconds / workers, 1e-9);
  const steps = [...t.pending.values()].reduce((a, b) => a + b, 0);
  const stepEta = t.stepsDone > 0 ? ((steps - t.stepsDone) * trainingElapsed) / t.stepsDone : NaN;
  const pathEta = t.pathsDone > 0 ? ((t.paths - t.pathsDone) * t.pathSeconds) / t.pathsDone / workers : t.paths > 0 ? NaN : 0;
  const eta = (steps > t.stepsDone ? stepEta : 0) + pathEta;
  const parts = [`${t.finished.size}/${t.pending.size} runs`];
  if (t.paths) parts.push(`${t.pathsDone}/${t.paths} paths`);
  return `${t.label} (wave ${t.waves}): ${parts.join(", ")} done, ${formatDuration(elapsed)} elapsed, ETA of the waves so far ${formatDuration(eta)}`;
}
