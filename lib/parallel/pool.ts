import { Worker } from "node:worker_threads";
import { join } from "node:path";
import { realpathSync } from "node:fs";
import { isCached, perform, Task, TaskResult } from "./tasks";
import { emitProgress } from "../util/progress";
import { figureLine, taskFinished, waveStarted } from "./figure-progress";
import { UserError } from "../util/errors";
import { SlurmOptions, currentExecutor, workerCount } from "./executor";
import { runWaveOnSlurm } from "./slurm";
import { pinTensorflowSettings } from "../kernels/tensorflow-settings";

export { workerCount }; // where it is decided: executor.ts

function spawnWorker(): Worker {
  pinTensorflowSettings(); // workers' TensorFlow reads the real environment, which only this thread can set
  // Workers load the TypeScript library through tsx, whatever compiled the caller (tsx, tslab, vitest).
  const entry = join(realpathSync(__dirname), "worker.ts");
  const code = `require(${JSON.stringify(require.resolve("tsx/cjs"))}); require(${JSON.stringify(entry)});`;
  const worker = new Worker(code, { eval: true, env: process.env });
  started++;
  startedWith.set(worker, envKey());
  worker.once("exit", () => {
    const i = idle.findIndex((e) => e.worker === worker);
    if (i >= 0) dropIdle(i);
  });
  return worker;
}

/**
 * Workers kept between waves: starting one (the library, tfjs, wasm, the data set) takes seconds, about a
 * quarter of a quick figure. A worker reads its environment once, at start-up (LOTTERY_RESULTS, the data
 * folders, ...), so one is reused only while the environment is what it started with; idle ones do not
 * keep the process alive and stop after a minute.
 */
const IDLE_MS = 60_000;
const idle: { worker: Worker; timer: NodeJS.Timeout }[] = [];
const startedWith = new WeakMap<Worker, string>();
const envKey = () => JSON.stringify(process.env);
let started = 0;

/** How many workers this process has started (the tests check that waves reuse them). */
export const workersStarted = () => started;

function dropIdle(i: number): void {
  clearTimeout(idle[i].timer);
  idle.splice(i, 1);
}

function takeWorker(): Worker {
  const key = envKey();
  for (let i = idle.length - 1; i >= 0; i--) {
    if (startedWith.get(idle[i].worker) === key) continue;
    void idle[i].worker.terminate();
    dropIdle(i);
  }
  const kept = idle.pop();
  if (!kept) return spawnWorker();
  clearTimeout(kept.timer);
  kept.worker.ref();
  return kept.worker;
}

function releaseWorker(worker: Worker): void {
  worker.unref();
  const entry = {
    worker,
    timer: setTimeout(() => {
      const i = idle.indexOf(entry);
      if (i >= 0) dropIdle(i);
      void worker.terminate();
    }, IDLE_MS).unref(),
  };
  idle.push(entry);
}

/**
 * Runs independent tasks (trainings, path evaluations) concurrently in worker threads, one tfjs backend
 * each, sized to the cores (LOTTERY_WORKERS overrides, see executor.ts; 1 runs everything in this thread).
 * The run cache is shared safely: a run is trained under a lock, and every file is written atomically. A
 * failed task fails alone; the others finish and stay cached, then one error lists what failed.
 */
export async function runTasks<T extends Task>(tasks: T[], workers = workerCount()): Promise<TaskResult<T>[]> {
  const results: (TaskResult<T> | undefined)[] = new Array(tasks.length);
  const failures: { index: number; message: string; user: boolean }[] = [];
  const todo: number[] = [];
  for (let i = 0; i < tasks.length; i++) {
    if (isCached(tasks[i])) results[i] = (await perform(tasks[i])) as TaskResult<T>;
    else todo.push(i);
  }
  waveStarted(todo.map((i) => tasks[i]));
  const executor = currentExecutor();
  if (executor.kind === "slurm" && todo.length) return onSlurm(tasks, todo, results, executor.options);
  // The figure's overall line: after every finished task, at most every 10 s in logs (always at the end).
  let overall = "";
  let lastOverall = 0;
  const finished = (index: number, startedAt: number, remaining: number) => {
    taskFinished(tasks[index], (Date.now() - startedAt) / 1000);
    const line = figureLine(Math.min(workers, todo.length));
    if (line && (process.stderr.isTTY || remaining === 0 || Date.now() - lastOverall > 10_000)) {
      lastOverall = Date.now();
      overall = line;
      if (!process.stderr.isTTY || workers <= 1 || todo.length <= 1) emitProgress(line, !process.stderr.isTTY);
    }
  };
  let remaining = todo.length;
  if (workers <= 1 || todo.length <= 1) {
    for (const i of todo) {
      const startedAt = Date.now();
      try {
        results[i] = (await perform(tasks[i])) as TaskResult<T>;
      } catch (e) {
        failures.push({ index: i, message: (e as Error).message, user: e instanceof UserError });
      }
      finished(i, startedAt, --remaining);
    }
  } else {
    let next = 0;
    // On a terminal, one status line shows every worker's latest progress; in logs, each line as it comes.
    const board = new Map<number, string>();
    const show = (lane: number, line: string, final: boolean) => {
      if (!process.stderr.isTTY) return emitProgress(`[w${lane + 1}] ${line}`, final);
      board.set(lane, line);
      const width = process.stderr.columns ?? 160;
      const lanes = [...board.entries()].map(([l, text]) => `[w${l + 1}] ${text}`);
      emitProgress([...(overall ? [overall] : []), ...lanes].join("  |  ").slice(0, width - 1), false);
    };
    const lane = async (lane: number): Promise<void> => {
      let worker: Worker | null = null;
      try {
        while (next < todo.length) {
          const index = todo[next++];
          worker ??= takeWorker();
          const w = worker;
          const startedAt = Date.now();
          // One flat shape (not a union): tslab type-checks this file without strictNullChecks, where
          // discriminated unions on a boolean do not narrow.
          const outcome = await new Promise<{ ok: boolean; result?: unknown; message?: string; user?: boolean; crashed?: boolean }>((resolve) => {
            const onMessage = (m: { type: string; id?: number; result?: unknown; message?: string; user?: boolean; line?: string; final?: boolean }) => {
              if (m.type === "progress") show(lane, m.line!, Boolean(m.final));
              else if (m.id === index) {
                cleanup();
                resolve(m.type === "done" ? { ok: true, result: m.result } : { ok: false, message: m.message!, user: Boolean(m.user) });
              }
            };
            const onError = (e: Error) => {
              cleanup();
              resolve({ ok: false, message: `worker crashed: ${e.message}`, user: false, crashed: true });
            };
            const onExit = (code: number) => {
              cleanup();
              resolve({ ok: false, message: `worker exited with code ${code}`, user: false, crashed: true });
            };
            const cleanup = () => {
              w.off("message", onMessage);
              w.off("error", onError);
              w.off("exit", onExit);
            };
            w.on("message", onMessage);
            w.on("error", onError);
            w.on("exit", onExit);
            w.postMessage({ id: index, task: tasks[index] });
          });
          if (outcome.ok) results[index] = outcome.result as TaskResult<T>;
          else {
            failures.push({ index, message: outcome.message ?? "failed", user: Boolean(outcome.user) });
            if (outcome.crashed) worker = null; // replace it for the next task
          }
          finished(index, startedAt, --remaining);
        }
      } finally {
        if (worker) releaseWorker(worker);
      }
    };
    await Promise.all(Array.from({ length: Math.min(workers, todo.length) }, (_, i) => lane(i)));
  }
  return finish(tasks, results, failures);
}

/** A wave as Slurm array jobs; then every result is read from the shared cache, here. */
async function onSlurm<T extends Task>(tasks: T[], todo: number[], results: (TaskResult<T> | undefined)[], options: SlurmOptions): Promise<TaskResult<T>[]> {
  const started = Date.now();
  const outcome = await runWaveOnSlurm(todo.map((i) => tasks[i]), options);
  const failed = new Set(outcome.failed.map((f) => todo[f.index]));
  for (const i of todo) {
    if (failed.has(i)) continue;
    taskFinished(tasks[i], (Date.now() - started) / 1000 / todo.length);
    results[i] = (await perform(tasks[i])) as TaskResult<T>;
  }
  const line = figureLine(todo.length);
  if (line) emitProgress(line, true);
  return finish(tasks, results, outcome.failed.map((f) => ({ index: todo[f.index], message: f.message, user: false })));
}

function finish<T extends Task>(tasks: T[], results: (TaskResult<T> | undefined)[], failures: { index: number; message: string; user: boolean }[]): TaskResult<T>[] {
  if (failures.length) {
    const lines = failures.map((f) => `task ${f.index + 1} (${describe(tasks[f.index])}): ${f.message}`);
    const same = failures.every((f) => f.message === failures[0].message);
    const message = same
      ? `${failures.length} of ${tasks.length} tasks failed (${failures.slice(0, 3).map((f) => `task ${f.index + 1}, ${describe(tasks[f.index])}`).join("; ")}${failures.length > 3 ? "; ..." : ""}): ${failures[0].message}`
      : `${failures.length} of ${tasks.length} tasks failed (the others finished and are cached):\n  ${lines.join("\n  ")}`;
    throw failures.every((f) => f.user) ? new UserError(message) : new Error(message);
  }
  return results as TaskResult<T>[];
}

function describe(task: Task): string {
  if (task.kind === "run") return `run${task.label ? ` "${task.label}"` : ""}`;
  return task.kind === "path" ? "path evaluation" : "flatness";
}
