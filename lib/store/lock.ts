import { linkSync, readFileSync, renameSync, rmSync, statSync, utimesSync } from "node:fs";
import { threadId } from "node:worker_threads";
import { writeFileAtomic } from "../util/atomic";
import { formatDuration } from "../util/progress";
import { LockOwner, describeOwner, lockOwnerIsGone, selfOwner } from "./lock-owner";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface LockOptions {
  /** What the lock protects, for the waiting message (e.g. `run 3fa2c1`). */
  what?: string;
  pollMs?: number;
  /** How often a waiter says who holds the lock. */
  reportEveryMs?: number;
  /** Where waiting messages go (default: stderr). */
  report?: (line: string) => void;
}

/** How often the holder refreshes the lock's mtime, so that holders on other hosts can be judged by it. */
export const HEARTBEAT_MS = 10_000;

function readOwner(path: string): LockOwner | "unreadable" | "gone" {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return "gone";
  }
  try {
    const owner = JSON.parse(text) as LockOwner;
    if (typeof owner.pid !== "number" || typeof owner.host !== "string") return "unreadable";
    return owner;
  } catch {
    return "unreadable";
  }
}

/**
 * Takes the lock by hard-linking a complete owner file into place: link() fails if the lock exists, so
 * the lock file is never seen empty or half-written (a crash or a full disk leaves no lock at all).
 */
function tryAcquire(path: string, owner: LockOwner): boolean {
  const tmp = `${path}.${owner.host}-${owner.pid}-${owner.thread}.owner`;
  writeFileAtomic(tmp, JSON.stringify(owner));
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Removes a stale lock without removing a fresh one that replaced it meanwhile: move it aside
 * atomically, and put it back if what was moved is not the lock judged stale.
 */
function breakStale(path: string, staleText: string | null): void {
  const aside = `${path}.stale-${process.pid}-${threadId}`;
  try {
    renameSync(path, aside);
  } catch {
    return; // already gone
  }
  let moved: string | null = null;
  try {
    moved = readFileSync(aside, "utf8");
  } catch {
    /* unreadable either way */
  }
  if (staleText !== null && moved !== staleText) {
    try {
      linkSync(aside, path);
    } catch {
      /* a newer lock took its place */
    }
  }
  rmSync(aside, { force: true });
}

function lockText(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/**
 * Runs `fn` holding an exclusive lock file at `path`, so that two workers or processes never do the same
 * work at once (the second waits, then finds the work done). The lock names its owner by host, process id,
 * the process's start time and the boot, so a lock left by a dead process, by an earlier boot, or by an
 * unrelated process that reused the pid is recognised as stale and removed; so is an empty or unparseable
 * one. A waiter says who holds the lock, and for how long, every few seconds.
 */
export async function withLock<T>(path: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const { pollMs = 200, reportEveryMs = 5000 } = options;
  const report = options.report ?? ((line: string) => process.stderr.write(line + "\n"));
  const me = selfOwner();
  const waitStarted = Date.now();
  let lastReport = waitStarted;
  while (!tryAcquire(path, me)) {
    const text = lockText(path);
    const owner = readOwner(path);
    if (owner === "gone") continue;
    let mtime = Date.now();
    try {
      mtime = statSync(path).mtimeMs;
    } catch {
      continue;
    }
    if (owner === "unreadable" || lockOwnerIsGone(owner, mtime)) {
      report(`removing stale lock ${path} (${owner === "unreadable" ? "empty or unreadable" : `held by ${describeOwner(owner)}, which is no longer running`})`);
      breakStale(path, text);
      continue;
    }
    if (Date.now() - lastReport >= reportEveryMs) {
      lastReport = Date.now();
      const held = formatDuration((Date.now() - Date.parse(owner.acquiredAt)) / 1000);
      report(`waiting for ${options.what ?? path}: held by ${describeOwner(owner)} for ${held} (waited ${formatDuration((Date.now() - waitStarted) / 1000)})`);
    }
    await sleep(pollMs);
  }
  const heartbeat = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(path, now, now);
    } catch {
      /* the lock was removed; the work goes on and its files are still written atomically */
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();
  try {
    return await fn();
  } finally {
    clearInterval(heartbeat);
    if (readOwnerIsMe(path, me)) rmSync(path, { force: true });
  }
}

function readOwnerIsMe(path: string, me: LockOwner): boolean {
  const owner = readOwner(path);
  return typeof owner === "object" && owner.host === me.host && owner.pid === me.pid && owner.thread === me.thread && owner.startTime === me.startTime;
}

