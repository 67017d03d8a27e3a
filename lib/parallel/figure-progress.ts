import { Task } from "./tasks";
import { startStep } from "../store/run-config";
import { formatDuration } from "../util/progress";

/**
 * The whole figure's progress, across the waves of tasks it submits to the pool: runs and path
 * evaluations done of those submitted, and an ETA from the rates so far. A figure submits its waves one
 * after the other, so the totals grow as later waves are planned; the line says which wave it is in.
 */
interface Tally {
  label: string;
  started: number;
  waves: number;
  runs: number;
  runsDone: number;
  steps: number;
  stepsDone: number;
  paths: number;
  pathsDone: number;
  pathSeconds: number;
}

let current: Tally | null = null;

/** Tracks the tasks `fn` submits to the pool under one label (e.g. the figure id). */
export async function trackFigure<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const outer = current;
  current = { label, started: Date.now(), waves: 0, runs: 0, runsDone: 0, steps: 0, stepsDone: 0, paths: 0, pathsDone: 0, pathSeconds: 0 };
  try {
    return await fn();
  } finally {
    current = outer;
  }
}

const stepsOf = (task: Task) => (task.kind === "run" ? task.config.train.steps - startStep(task.config) : 0);

/** A wave of tasks that must be computed (cached ones are not counted). */
export function waveStarted(tasks: Task[]): void {
  if (!current || tasks.length === 0) return;
  current.waves++;
  for (const t of tasks) {
    if (t.kind === "run") {
      current.runs++;
      current.steps += stepsOf(t);
    } else current.paths++;
  }
}

export function taskFinished(task: Task, seconds: number): void {
  if (!current) return;
  if (task.kind === "run") {
    current.runsDone++;
    current.stepsDone += stepsOf(task);
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
  const stepEta = t.stepsDone > 0 ? ((t.steps - t.stepsDone) * trainingElapsed) / t.stepsDone : NaN;
  const pathEta = t.pathsDone > 0 ? ((t.paths - t.pathsDone) * t.pathSeconds) / t.pathsDone / workers : t.paths > 0 ? NaN : 0;
  const eta = (t.steps > t.stepsDone ? stepEta : 0) + pathEta;
  const parts = [`${t.runsDone}/${t.runs} runs`];
  if (t.paths) parts.push(`${t.pathsDone}/${t.paths} paths`);
  return `${t.label} (wave ${t.waves}): ${parts.join(", ")} done, ${formatDuration(elapsed)} elapsed, ETA of the waves so far ${formatDuration(eta)}`;
}
