import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(__dirname, "..");

function figure(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [join(root, "node_modules/tsx/dist/cli.mjs"), join(root, "bin/figure.ts"), ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, LOTTERY_RESULTS: mkdtempSync(join(tmpdir(), "cli-")), ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.trim() };
}

describe("the figure CLI", () => {
  it("lists the figures", () => {
    const r = figure(["--list"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^lmc\/dense-instability\s+Instability of dense LeNet/m);
  });

  it.each([
    ["an unknown flag", ["lmc/dense-instability", "--prest", "quick"], /Unknown option '--prest'.*--help/],
    ["an unknown figure", ["lmc/dense-instabilty"], /unknown figure "lmc\/dense-instabilty".*--list/],
    ["an unknown preset", ["lmc/dense-instability", "--preset", "fast"], /unknown preset "fast"; use one of: quick, cpu, paper/],
    ["no figure", [], /expected one figure id, got 0/],
  ])("rejects %s with one line that says what to do", (_, args, pattern) => {
    const r = figure(args);
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(pattern);
  });

  it("names a missing data file and how to get it", () => {
    const r = figure(["lmc/dense-instability", "--preset", "quick"], { MNIST_DIR: "/nonexistent/mnist" });
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/\/nonexistent\/mnist\/train-images-idx3-ubyte\[\.gz\]: file not found; .*MNIST_DIR/);
  });

  it("rejects an unknown backend", () => {
    const r = figure(["lmc/dense-instability"], { LOTTERY_BACKEND: "gpu" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/LOTTERY_BACKEND="gpu" is not a backend; use one of: tensorflow, wasm, cpu/);
  });
});
