import { afterEach, describe, expect, it } from "vitest";
import { ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { withLock } from "../lib/store/lock";
import { LockOwner, processStartTime, selfOwner } from "../lib/store/lock-owner";

const lockIn = () => join(mkdtempSync(join(tmpdir(), "lottery-lock-")), "lock");

/** A live process that is not ours, standing in for an unrelated process that reused a pid. */
function liveStranger(): ChildProcess {
  return spawn("sleep", ["60"], { stdio: "ignore" });
}

let strangers: ChildProcess[] = [];
afterEach(() => {
  for (const s of strangers) s.kill("SIGKILL");
  strangers = [];
});

/** Waits until `said` holds at least `n` lines: the test waits for what it needs, not for a fixed time. */
async function heard(said: string[], n: number): Promise<void> {
  while (said.length < n) await new Promise((r) => setTimeout(r, 10));
}

function ownerFile(path: string, o: Partial<LockOwner>): void {
  writeFileSync(path, JSON.stringify({ ...selfOwner(), thread: 0, ...o }));
}

describe("run locks", () => {
  it("treat an empty lock file (left by a failed write) as stale, and say so", async () => {
    const path = lockIn();
    writeFileSync(path, "");
    const said: string[] = [];
    const value = await withLock(path, async () => (existsSync(path) ? "held" : "not held"), { report: (l) => said.push(l) });
    expect(value).toBe("held");
    expect(said.join("\n")).toMatch(/removing stale lock .*empty or unreadable/);
    expect(existsSync(path)).toBe(false);
  });

  it("treat unparseable lock content as stale", async () => {
    const path = lockIn();
    writeFileSync(path, "12345:0");
    const said: string[] = [];
    await withLock(path, async () => undefined, { report: (l) => said.push(l) });
    expect(said.join("\n")).toMatch(/empty or unreadable/);
  });

  it("see through a reused pid: a live process whose start time differs from the lock's is not the holder", async () => {
    const stranger = liveStranger();
    strangers.push(stranger);
    const real = processStartTime(stranger.pid!);
    expect(real).not.toBeNull(); // Linux: /proc/<pid>/stat
    const path = lockIn();
    ownerFile(path, { pid: stranger.pid!, startTime: real! - 1000 });
    const said: string[] = [];
    await withLock(path, async () => undefined, { report: (l) => said.push(l) });
    expect(said.join("\n")).toMatch(new RegExp(`removing stale lock .*process ${stranger.pid}.*no longer running`));
  });

  it("wait for a live holder, saying who holds it and for how long, and take over when it dies", async () => {
    const holder = liveStranger();
    strangers.push(holder);
    const path = lockIn();
    ownerFile(path, { pid: holder.pid!, startTime: processStartTime(holder.pid!), acquiredAt: new Date(Date.now() - 65_000).toISOString() });
    const said: string[] = [];
    const waiting = withLock(path, async () => "mine", { what: "run abc", pollMs: 20, reportEveryMs: 100, report: (l) => said.push(l) });
    await heard(said, 2); // it keeps saying so while it waits
    expect(said[0]).toMatch(new RegExp(`waiting for run abc: held by process ${holder.pid} on ${hostname()} for 1m[0-5]\\ds`));
    holder.kill("SIGKILL");
    expect(await waiting).toBe("mine");
  });

  it("judge a holder on another host by its heartbeat", async () => {
    const path = lockIn();
    ownerFile(path, { host: "some-other-node", pid: 1 });
    const said: string[] = [];
    const fresh = withLock(path, async () => "taken", { pollMs: 20, reportEveryMs: 50, report: (l) => said.push(l) });
    await heard(said, 1);
    expect(said.join("\n")).toMatch(/waiting .* held by process 1 on some-other-node/); // heartbeat is fresh
    const { utimesSync } = await import("node:fs");
    const old = new Date(Date.now() - 10 * 60_000);
    utimesSync(path, old, old); // the heartbeat stopped ten minutes ago
    expect(await fresh).toBe("taken");
  });

  it("exclude each other within a process and release on error", async () => {
    const path = lockIn();
    const order: string[] = [];
    const a = withLock(path, async () => {
      order.push("a in");
      await new Promise((r) => setTimeout(r, 100));
      order.push("a out");
    });
    const b = withLock(path, async () => void order.push("b"), { pollMs: 10 });
    await Promise.all([a, b]);
    expect(order).toEqual(["a in", "a out", "b"]);
    await expect(withLock(path, async () => { throw new Error("boom"); })).rejects.toThrow("boom");
    expect(existsSync(path)).toBe(false);
  });
});
