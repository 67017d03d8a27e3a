import { cpus } from "node:os";
import { UserError } from "../util/errors";

/**
 * Where a figure's tasks run: the local worker pool (the default) or a Slurm cluster, one array job per
 * wave. The figure code is the same either way; `runTasks` asks this module which one is in charge.
 */
export interface SlurmOptions {
  partition: string | null;
  /** Time limit per array element, in sbatch's syntax ("1:00:00"). */
  time: string | null;
  cpusPerTask: number | null;
  /** Generic resources per element, e.g. "gpu:1". */
  gres: string | null;
  /** At most this many elements of a wave run at once (sbatch --array=...%M). */
  maxParallel: number | null;
  /** Elements that fail (node failure, time limit, scancel) are resubmitted up to this many times. */
  retries: number;
  /** Print the sbatch command of the first wave with work, submit nothing. */
  dryRun: boolean;
  /** How often the driver polls squeue. */
  pollSeconds: number;
}

export type Executor = { kind: "local" } | { kind: "slurm"; options: SlurmOptions };

export const DEFAULT_SLURM: SlurmOptions = { partition: null, time: null, cpusPerTask: null, gres: null, maxParallel: null, retries: 2, dryRun: false, pollSeconds: 5 };

let current: Executor = { kind: "local" };
/** Slurm job ids submitted by this process, in order (provenance). */
const jobIds: string[] = [];

export function setExecutor(e: Executor): void {
  current = e;
}

export function currentExecutor(): Executor {
  return current;
}

export function recordJob(id: string): void {
  jobIds.push(id);
}

/** Local workers: one per core; LOTTERY_WORKERS overrides (1 runs everything in the calling thread). */
export function workerCount(): number {
  const env = process.env.LOTTERY_WORKERS;
  if (env !== undefined) {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) throw new UserError(`LOTTERY_WORKERS="${env}" must be a positive integer.`);
    return n;
  }
  return Math.max(1, cpus().length);
}

/** What provenance records: the executor, its local workers and, for Slurm, every job it submitted. */
export function executorRecord(): { kind: Executor["kind"]; workers?: number; jobIds: string[] } {
  return { kind: current.kind, ...(current.kind === "local" ? { workers: workerCount() } : {}), jobIds: [...jobIds] };
}

/** Thrown by a dry run once the first wave's command is printed: nothing was submitted. */
export class DryRunStop extends Error {
  constructor() {
    super("dry run: nothing submitted");
  }
}

/**
 * A dry run whose waves were all in the cache printed no command; it still computes and writes nothing.
 * Called between a figure's computation and its outputs.
 */
export function stopIfDryRun(): void {
  if (current.kind !== "slurm" || !current.options.dryRun) return;
  console.log("(dry run: every task of this figure is already in the run cache, so there is nothing to submit; run without --dry-run to write the figure)");
  throw new DryRunStop();
}
