import { afterEach, describe, expect, it } from "vitest";
import { join } from "node:path";
import { fieldValues, placementLine, placementOf } from "../lib/placement";
import { backendFor, pinBackend } from "../lib/backend-choice";
import { REPO_ROOT } from "../lib/store/paths";
import { setExecutor, DEFAULT_SLURM } from "../lib/parallel/executor";

/** Where work runs: decided in one place from the config, the environment and the executor. */
describe("a figure's placement", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    setExecutor({ kind: "local" });
  });

  const config = { bn: { model: "lenet-300-100-bn", data: { dataset: "cifar10-16" } }, plain: { model: "lenet-300-100" }, model: "conv-2", again: { model: "conv-2" } };

  it("finds every model a config names, an object's own field first, each once", () => {
    expect(fieldValues(config, "model")).toEqual(["conv-2", "lenet-300-100-bn", "lenet-300-100"]);
    expect(fieldValues({ a: [{ data: 1 }, { data: 2 }] }, "data")).toEqual([1, 2]);
    expect(fieldValues({ x: 1 }, "model")).toEqual([]);
  });

  it("gives each model the backend it prefers, unless LOTTERY_BACKEND forces one for all", () => {
    delete process.env.LOTTERY_BACKEND;
    const own = placementOf(config);
    expect(own.backends).toEqual({ "conv-2": backendFor("conv-2"), "lenet-300-100-bn": backendFor("lenet-300-100-bn"), "lenet-300-100": backendFor("lenet-300-100") });
    expect(own.backendChoice).toBe("per model");
    process.env.LOTTERY_BACKEND = "wasm";
    const forced = placementOf(config);
    expect(Object.values(forced.backends)).toEqual(["wasm", "wasm", "wasm"]);
    expect(forced.backendChoice).toBe("LOTTERY_BACKEND");
  });

  it("records the workers, the executor and the results folder without naming the machine's paths", () => {
    process.env.LOTTERY_WORKERS = "3";
    process.env.LOTTERY_RESULTS = join(REPO_ROOT, "results");
    process.env.LOTTERY_BACKEND = "wasm";
    const local = placementOf({ model: "lenet-300-100" });
    expect(local).toEqual({ backends: { "lenet-300-100": "wasm" }, backendChoice: "LOTTERY_BACKEND", executor: "local", workers: 3, results: "results" });
    expect(placementLine(local)).toBe("runs on: lenet-300-100 on wasm (all forced by LOTTERY_BACKEND); 3 local workers; results in results/");
    process.env.LOTTERY_RESULTS = "/somewhere/else";
    setExecutor({ kind: "slurm", options: DEFAULT_SLURM });
    const slurm = placementOf({ model: "lenet-300-100" });
    expect(slurm).toMatchObject({ executor: "slurm", workers: null, results: "outside the repository" });
    expect(placementLine(slurm)).toBe("runs on: lenet-300-100 on wasm (all forced by LOTTERY_BACKEND); Slurm; results in LOTTERY_RESULTS, outside the repository");
  });

  it("says when the backend is the one the recomputed folder records, not the user's choice", () => {
    pinBackend("wasm-blas");
    const pinned = placementOf({ model: "lenet-300-100" });
    expect(pinned).toMatchObject({ backends: { "lenet-300-100": "wasm-blas" }, backendChoice: "recorded" });
    expect(placementLine(pinned)).toMatch(/^runs on: lenet-300-100 on wasm-blas \(all on the backend the results folder records\);/);
    process.env.LOTTERY_BACKEND = "wasm";
    expect(placementOf({ model: "lenet-300-100" }).backendChoice).toBe("LOTTERY_BACKEND");
  });
});
