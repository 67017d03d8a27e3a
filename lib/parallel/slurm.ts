import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { isCached, Task } from "./tasks";
import { DryRunStop, SlurmOptions, recordJob } from "./executor";
import { REPO_ROOT, resultsDir } from "../store/paths";
import { ensureDir, writeJsonAtomic } from "../util/atomic";
import { configHash } from "../util/hash";
import { emitProgress, formatDuration } from "../util/progress";
import { UserError } from "../util/errors";

/**
 * One wave of tasks as Slurm array jobs over the shared run cache. The wave's tasks go to a file under
 * results/slurm/; element i runs task i through bin/task.ts (the same code a local worker runs), which
 * trains under the cache's locks and writes the result into the cache. The cache, not Slurm's exit codes,
 * says what is done: after the job, the tasks not cached are resubmitted, up to `retries` times.
 */
export interface WaveOutcome {
  /** Indices (into the wave's tasks) still not done after every retry, with the end of their logs. */
  failed: { index: number; message: string }[];
}

/** A Slurm client command; a missing command or a refusal is one clear line. */
export function slurm(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch (e) {
    const err = e as { code?: string; stderr?: string; message: string };
    if (err.code === "ENOENT") throw new UserError(`${cmd} not found: --executor slurm needs Slurm's client commands (sbatch, squeue) on PATH.`);
    throw new UserError(`${cmd} failed: ${(err.stderr || err.message).trim().split("\n").pop()}`);
  }
}

/** `--array` ranges: 0-3,7,9-10, and the parallel limit. */
export function arraySpec(indices: number[], maxParallel: number | null): string {
  const sorted = [...indices].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return `${parts.join(",")}${maxParallel ? `%${maxParallel}` : ""}`;
}

/** The sbatch arguments of one submission of a wave. */
export function sbatchArgs(waveDir: string, indices: number[], o: SlurmOptions): string[] {
  const tsx = join(REPO_ROOT, "node_modules", ".bin", "tsx");
  const element = `LOTTERY_WORKERS=1 exec ${JSON.stringify(tsx)} ${JSON.stringify(join(REPO_ROOT, "bin", "task.ts"))} ${JSON.stringify(join(waveDir, "tasks.json"))} "$SLURM_ARRAY_TASK_ID"`;
  return [
    "--parsable",
    "--job-name=lottery-lab",
    `--array=${arraySpec(indices, o.maxParallel)}`,
    `--output=${join(waveDir, "%A_%a.log")}`,
    `--chdir=${REPO_ROOT}`,
    ...(o.partition ? [`--partition=${o.partition}`] : []),
    ...(o.time ? [`--time=${o.time}`] : []),
    ...(o.cpusPerTask ? [`--cpus-per-task=${o.cpusPerTask}`] : []),
    ...(o.gres ? [`--gres=${o.gres}`] : []),
    `--wrap=${element}`,
  ];
}

/** One shell word: as it is when it is safe, else single-quoted. */
export const shellQuote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);

/** Jobs of ours still pending or running. */
function inQueue(jobId: string): number {
  const out = slurm("squeue", ["-h", "-r", "-j", jobId, "-o", "%i"]);
  return out ? out.split("\n").length : 0;
}

/** The last lines of an element's logs: why it failed, as it said. */
function lastWords(waveDir: string, index: number): string {
  const logs = existsSync(waveDir) ? readdirSync(waveDir).filter((f) => f.endsWith(`_${index}.log`)) : [];
  const text = logs.map((f) => readFileSync(join(waveDir, f), "utf8")).join("\n");
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
  const error = [...lines].reverse().find((l) => /error|cancelled|killed|time limit/i.test(l));
  return error ?? lines[lines.length - 1] ?? `no log (see ${waveDir})`;
}

export async function runWaveOnSlurm(tasks: Task[], o: SlurmOptions): Promise<WaveOutcome> {
  const waveDir = join(resultsDir(), "slurm", `wave-${configHash(tasks).slice(0, 16)}`);
  ensureDir(waveDir);
  writeJsonAtomic(join(waveDir, "tasks.json"), tasks);
  const started = Date.now();
  let todo = tasks.map((_, i) => i).filter((i) => !isCached(tasks[i]));
  for (let attempt = 0; todo.length && attempt <= o.retries; attempt++) {
    const args = sbatchArgs(waveDir, todo, o);
    if (o.dryRun) {
      console.log(`sbatch ${args.map(shellQuote).join(" ")}`);
      console.log(`(dry run: ${todo.length} tasks in this wave; later waves are submitted when it finishes)`);
      throw new DryRunStop();
    }
    const jobId = slurm("sbatch", args).split(";")[0];
    recordJob(jobId);
    const what = `${attempt ? `retry ${attempt} of ` : ""}${todo.length} tasks`;
    emitProgress(`slurm: submitted array job ${jobId} (${what}); logs in ${waveDir}`, true);
    let last = 0;
    for (;;) {
      const queued = inQueue(jobId);
      const done = tasks.filter(isCached).length;
      if (queued === 0) break;
      if (Date.now() - last > 10_000) {
        last = Date.now();
        emitProgress(`slurm job ${jobId}: ${done}/${tasks.length} tasks of the wave done, ${queued} elements queued or running, ${formatDuration((Date.now() - started) / 1000)} elapsed`, !process.stderr.isTTY);
      }
      await new Promise((r) => setTimeout(r, o.pollSeconds * 1000));
    }
    todo = todo.filter((i) => !isCached(tasks[i]));
    if (todo.length && attempt < o.retries) emitProgress(`slurm job ${jobId}: ${todo.length} elements did not finish (${todo.slice(0, 5).map((i) => `${i}: ${lastWords(waveDir, i)}`).join("; ")}); resubmitting`, true);
  }
  return { failed: todo.map((index) => ({ index, message: `failed on Slurm ${o.retries + 1} times; last: ${lastWords(waveDir, index)}` })) };
}
