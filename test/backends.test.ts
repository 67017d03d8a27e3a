import { afterEach, describe, expect, it } from "vitest";
import { runHash } from "../lib/store/run-config";
import { configHash } from "../lib/util/hash";
import { backendFor, defaultBackend, nativePackage } from "../lib/backend-choice";
import { loadBlas } from "../lib/kernels/blas";
import { tinyRun } from "./support/tiny";
import { MODEL_NAMES, backendPreference } from "../lib/models/registry";

/** Backends per workload and in the run's identity (tfjs-node itself: test/native/, `npm run test:native`). */
const native = nativePackage();
const saved = process.env.LOTTERY_BACKEND;
afterEach(() => {
  if (saved === undefined) delete process.env.LOTTERY_BACKEND;
  else process.env.LOTTERY_BACKEND = saved;
});

describe("the backend of a workload", () => {
  it("is wasm-blas (wasm where OpenBLAS is missing) for MLPs, tfjs-node for conv nets when it is installed, and what LOTTERY_BACKEND forces", () => {
    delete process.env.LOTTERY_BACKEND;
    const mlp = loadBlas() ? "wasm-blas" : "wasm";
    expect(defaultBackend()).toBe(mlp);
    expect(backendFor("lenet-300-100")).toBe(mlp);
    expect(backendFor("conv-2")).toBe(native ? "tensorflow" : mlp);
    process.env.LOTTERY_BACKEND = "cpu";
    expect(backendFor("conv-2")).toBe("cpu");
    process.env.LOTTERY_BACKEND = "gpu";
    expect(() => backendFor("conv-2")).toThrow('LOTTERY_BACKEND="gpu" is not a backend; use one of: tensorflow, wasm-blas, wasm, cpu, webgpu (or unset it to pick per model).');
  });

  it("follows what each model declares: every conv net prefers tfjs-node, every MLP wasm", () => {
    delete process.env.LOTTERY_BACKEND;
    const convNets = MODEL_NAMES.filter((m) => /^(conv-|resnet-|vgg-)/.test(m));
    expect(convNets.length).toBeGreaterThan(5);
    for (const m of MODEL_NAMES) expect(backendPreference(m), m).toBe(convNets.includes(m) ? "native" : "wasm");
    for (const m of MODEL_NAMES) expect(backendFor(m), m).toBe(backendPreference(m) === "native" && native ? "tensorflow" : defaultBackend());
  });

  it("names a run by its backend too, leaving wasm runs' names as they were", () => {
    const lenet = tinyRun();
    process.env.LOTTERY_BACKEND = "wasm";
    const onWasm = runHash(lenet);
    // A wasm run is named by its config alone, as before backends entered the name.
    expect(onWasm).toBe(configHash(lenet));
    for (const other of ["cpu", "wasm-blas", "tensorflow", "webgpu"]) {
      process.env.LOTTERY_BACKEND = other;
      expect(runHash(lenet)).not.toBe(onWasm);
    }
  });
});
