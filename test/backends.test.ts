import { afterEach, describe, expect, it } from "vitest";
import { runHash } from "../lib/store/run-config";
import { backendFor, nativePackage } from "../lib/backend-choice";
import { tinyRun } from "./support/tiny";

/** Backends per workload and in the run's identity (tfjs-node itself: test/native/, `npm run test:native`). */
const native = nativePackage();
const saved = process.env.LOTTERY_BACKEND;
afterEach(() => {
  if (saved === undefined) delete process.env.LOTTERY_BACKEND;
  else process.env.LOTTERY_BACKEND = saved;
});

describe("the backend of a workload", () => {
  it("is wasm for MLPs, tfjs-node for conv nets when it is installed, and what LOTTERY_BACKEND forces", () => {
    delete process.env.LOTTERY_BACKEND;
    expect(backendFor("lenet-300-100")).toBe("wasm");
    expect(backendFor("conv-2")).toBe(native ? "tensorflow" : "wasm");
    process.env.LOTTERY_BACKEND = "cpu";
    expect(backendFor("conv-2")).toBe("cpu");
    process.env.LOTTERY_BACKEND = "gpu";
    expect(() => backendFor("conv-2")).toThrow('LOTTERY_BACKEND="gpu" is not a backend; use one of: tensorflow, wasm, cpu (or unset it to pick per model).');
  });

  it("names a run by its backend too, leaving wasm runs' names as they were", () => {
    delete process.env.LOTTERY_BACKEND;
    const lenet = tinyRun();
    process.env.LOTTERY_BACKEND = "wasm";
    const onWasm = runHash(lenet);
    delete process.env.LOTTERY_BACKEND;
    expect(runHash(lenet)).toBe(onWasm);
    process.env.LOTTERY_BACKEND = "cpu";
    expect(runHash(lenet)).not.toBe(onWasm);
  });
});
