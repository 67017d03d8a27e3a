import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { threadId } from "node:worker_threads";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Runs `fn` holding an exclusive lock file at `path`, so that two workers or processes never train the
 * same run at once (the second waits, then finds the work done). A lock left by a dead process is removed.
 */
export async function withLock<T>(path: string, fn: () => Promise<T>, pollMs = 200): Promise<T> {
  const owner = `${process.pid}:${threadId}`;
  for (;;) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, owner);
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    let holder = "";
    try {
      holder = readFileSync(path, "utf8");
    } catch {
      continue; // released between our open and read
    }
    const pid = Number(holder.split(":")[0]);
    if (holder && pid !== process.pid && !alive(pid)) {
      rmSync(path, { force: true });
      continue;
    }
    await sleep(pollMs);
  }
  try {
    return await fn();
  } finally {
    rmSync(path, { force: true });
  }
}
