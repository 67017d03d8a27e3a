import { describe, expect, it } from "vitest";
import { figure } from "./support/cli";
import { join, resolve } from "node:path";

const root = resolve(__dirname, "..");

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

  it("states its default preset", () => {
    const r = figure(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--preset\s+quick \(the default/);
    expect(r.stdout).toMatch(/--overwrite/);
    expect(r.stdout).toMatch(/--render-only/);
  });

  it("refuses, before any work, to overwrite committed results written at another commit", () => {
    const r = figure(["lmc/sparse-k0", "--preset", "cpu"], { LOTTERY_RESULTS: join(root, "results") });
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/results\/figures\/lmc\/sparse-k0\/cpu\/ holds committed results written at commit [0-9a-f]{7}, not at the current [0-9a-f]{7}; refusing to overwrite them\. Pass --overwrite/);
  });

  it("recomputes a committed result on the backend its provenance names, and says so in one line", () => {
    const r = figure(["lmc/sparse-k0", "--preset", "cpu"], { LOTTERY_RESULTS: join(root, "results"), LOTTERY_BACKEND: "" });
    expect(r.stdout.trim()).toBe("reproducing results/figures/lmc/sparse-k0/cpu on wasm, the backend that computed it; set LOTTERY_BACKEND to choose another.");
  });

  it("re-renders only where there is data, and never together with --overwrite", () => {
    expect(figure(["lmc/sparse-k0", "--render-only"]).stderr).toMatch(/data\.json or provenance\.json is missing: nothing to re-render/);
    expect(figure(["lmc/sparse-k0", "--render-only", "--overwrite"]).stderr).toMatch(/cannot be combined with --overwrite/);
  });

  it("rejects an unknown backend", () => {
    const r = figure(["lmc/dense-instability"], { LOTTERY_BACKEND: "gpu" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/LOTTERY_BACKEND="gpu" is not a backend; use one of: tensorflow, wasm-blas, wasm, cpu/);
  });
});
