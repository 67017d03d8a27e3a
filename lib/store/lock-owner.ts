import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { threadId } from "node:worker_threads";
import { pidAlive } from "../util/process-alive";

/**
 * Who holds a lock, precisely enough to tell a live holder from a stale lock: a process id alone is not
 * enough, since pids are reused (after a reboot, or by an unrelated process), so the lock also records
 * the host, the boot, and the process's start time.
 */
export interface LockOwner {
  host: string;
  pid: number;
  thread: number;
  /** The process's start time in clock ticks since boot (Linux /proc/<pid>/stat), or null elsewhere. */
  startTime: number | null;
  bootId: string | null;
  acquiredAt: string;
  /** The Slurm job (array job_element) the holder runs in, when it does: for people reading a lock. */
  slurmJob?: string | null;
}

/** A holder whose heartbeat (the lock's mtime) is older than this is gone, when liveness cannot be checked directly. */
export const STALE_AFTER_MS = 120_000;

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return null;
  }
}

/** Field 22 of /proc/<pid>/stat; the command name (field 2) may hold spaces, so count from its closing parenthesis. */
export function processStartTime(pid: number): number | null {
  const stat = readOrNull(`/proc/${pid}/stat`);
  if (!stat) return null;
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const value = Number(fields[19]);
  return Number.isFinite(value) ? value : null;
}

const BOOT_ID = readOrNull("/proc/sys/kernel/random/boot_id");
const START_TIME = processStartTime(process.pid);

export function selfOwner(): LockOwner {
  return { host: hostname(), pid: process.pid, thread: threadId, startTime: START_TIME, bootId: BOOT_ID, acquiredAt: new Date().toISOString(), slurmJob: SLURM_JOB };
}

const SLURM_JOB = process.env.SLURM_ARRAY_JOB_ID ? `${process.env.SLURM_ARRAY_JOB_ID}_${process.env.SLURM_ARRAY_TASK_ID}` : (process.env.SLURM_JOB_ID ?? null);

export function describeOwner(o: LockOwner): string {
  return `process ${o.pid}${o.thread ? ` (thread ${o.thread})` : ""} on ${o.host}${o.slurmJob ? ` (Slurm job ${o.slurmJob})` : ""}`;
}


/**
 * Whether a lock's holder is certainly gone. On this host: a different boot, a dead pid, or a live pid
 * whose start time differs (an unrelated process reusing the pid). Another thread of this process, or
 * another host, cannot be checked directly: there the holder's heartbeat (`heartbeatMs`, the lock's
 * mtime) must have stopped for STALE_AFTER_MS.
 */
export function lockOwnerIsGone(o: LockOwner, heartbeatMs: number, now = Date.now()): boolean {
  const silent = now - heartbeatMs > STALE_AFTER_MS;
  if (o.host !== hostname()) return silent;
  if (o.bootId && BOOT_ID && o.bootId !== BOOT_ID) return true;
  if (!pidAlive(o.pid)) return true;
  if (o.startTime !== null && processStartTime(o.pid) !== null && processStartTime(o.pid) !== o.startTime) return true;
  if (o.pid === process.pid && o.thread !== threadId) return silent;
  return false;
}
