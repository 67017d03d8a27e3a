import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { freshResults } from "./support/env";

const ROOT = resolve(__dirname, "..");

function racer(results: string, go: string, ready: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(ROOT, "node_modules/tsx/dist/cli.mjs"), join(ROOT, "test/support/concurrent-path.ts"), go, ready], {
      cwd: ROOT,
      env: { ...process.env, LOTTERY_RESULTS: results, LOTTERY_WORKERS: "1" },
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => done({ code, out, err }));
  });
}

const count = (text: string, pattern: RegExp) => (text.match(pattern) ?? []).length;

describe("two processes asking for the same work", () => {
  it("train each run once and evaluate the path once, and agree on the result", async () => {
    const results = freshResults();
    const go = join(results, "go");
    const ready = [join(results, "ready-1"), join(results, "ready-2")];
    const racing = [racer(results, go, ready[0]), racer(results, go, ready[1])];
    while (!ready.every(existsSync)) await new Promise((r) => setTimeout(r, 20));
    writeFileSync(go, "");
    const [p, q] = await Promise.all(racing);
    expect(p.code, p.err).toBe(0);
    expect(q.code, q.err).toBe(0);
    expect(p.out).toBe(q.out);
    const both = p.err + q.err;
    expect(count(both, /^run \w+ done 200 steps/gm)).toBe(2); // the two copies, each trained once
    expect(count(both, /^path done 5 points/gm)).toBe(1);
  }, 180_000);
});
