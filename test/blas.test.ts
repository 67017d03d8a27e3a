import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { join, resolve } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend";
import { backendFor } from "../lib/backend-choice";
import { PINNED_KERNELS, blasUnavailableReason, kernelsToPin, loadBlas } from "../lib/kernels/blas";
import { runHash } from "../lib/store/run-config";
import { deviceData } from "../lib/data/device";
import { getModel } from "../lib/models/registry";
import { initParams } from "../lib/models/init";
import { toDevice, toHost } from "../lib/models/params";
import { freshOptimizer } from "../lib/train/optimizer";
import { trainTo } from "../lib/train/train";
import { tinyRun } from "./support/tiny";

/** The wasm-blas backend: wasm with matrix products through OpenBLAS (lib/kernels/blas.ts). CI installs OpenBLAS. */
/** Whether this process pins OpenBLAS's kernel set (an x86-64 CPU with AVX2 and FMA, no OPENBLAS_CORETYPE). */
const pinned = kernelsToPin() === PINNED_KERNELS;
const blas = loadBlas();
/** The first 16 hex digits of the sha256 of a LeNet-sized product's bits under the pinned kernel set. */
const PINNED_PRODUCT = "4c64080cb34268f0";
const saved = process.env.LOTTERY_BACKEND;
afterEach(() => {
  if (saved === undefined) delete process.env.LOTTERY_BACKEND;
  else process.env.LOTTERY_BACKEND = saved;
});

async function on<T>(backend: string, f: () => T): Promise<T> {
  process.env.LOTTERY_BACKEND = backend;
  await initBackend();
  return f();
}

/** Deterministic values in [-1, 1). */
function values(shape: number[], seed: number): tf.Tensor {
  let s = seed;
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 30 - 1)), shape);
}

/** Largest difference relative to the largest magnitude of `expected`. */
function relativeError(actual: Float32Array, expected: Float32Array): number {
  expect(actual.length).toBe(expected.length);
  let diff = 0;
  let scale = 0;
  expected.forEach((e, i) => {
    diff = Math.max(diff, Math.abs(actual[i] - e));
    scale = Math.max(scale, Math.abs(e));
  });
  return diff / scale;
}

// [a shape, b shape, transposeA, transposeB]: LeNet's products forward and backward, odd sizes, batches.
const CASES: [number[], number[], boolean, boolean][] = [
  [[60, 784], [784, 300], false, false],
  [[784, 60], [784, 300], true, false],
  [[60, 100], [300, 100], false, true],
  [[7, 5], [9, 7], true, true],
  [[3, 4, 5], [3, 5, 6], false, false],
  [[3, 4, 5], [5, 6], false, false],
  [[1, 4, 5], [3, 6, 5], false, true],
];

describe.skipIf(!blas)(`the wasm-blas backend${blas ? "" : ` (skipped: ${blasUnavailableReason()})`}`, () => {
  beforeAll(async () => {
    await on("wasm-blas", () => undefined);
  });

  it.each(CASES)("computes a @ b like tfjs's cpu backend: %j @ %j, transposed %s %s", async (sa, sb, ta, tb) => {
    const product = () => tf.tidy(() => tf.matMul(values(sa, 1), values(sb, 2), ta, tb).dataSync() as Float32Array);
    const fused = () =>
      tf.tidy(() => {
        const a = values(sa, 1);
        const b = values(sb, 2);
        const n = tb ? sb[sb.length - 2] : sb[sb.length - 1];
        return tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, transposeA: ta, transposeB: tb, bias: values([n], 3), activation: "relu" }).dataSync() as Float32Array;
      });
    const [cpu, cpuFused] = await on("cpu", () => [product(), fused()]);
    const [ours, oursFused] = await on("wasm-blas", () => [product(), fused()]);
    expect(relativeError(ours, cpu)).toBeLessThan(1e-5);
    expect(relativeError(oursFused, cpuFused)).toBeLessThan(1e-5);
  });

  it("really sends products to OpenBLAS: its bits differ from XNNPACK's (plain wasm) on a LeNet-sized product", async () => {
    const product = () => tf.tidy(() => tf.matMul(values([60, 784], 4), values([784, 300], 5)).dataSync() as Float32Array);
    const xnnpack = await on("wasm", product);
    const openblas = await on("wasm-blas", product);
    expect(relativeError(openblas, xnnpack)).toBeLessThan(1e-5);
    expect(openblas.some((v, i) => v !== xnnpack[i])).toBe(true);
  });

  it("trains bit-identically for the same seeds, differently from plain wasm, under a run name of its own", async () => {
    const config = tinyRun();
    const model = getModel("lenet-300-100", [28, 28, 1], 10);
    const train = async () => {
      const params = toDevice(initParams(model, 1));
      const state = await trainTo({ step: 0, params, optimizer: freshOptimizer(config.train, params) }, 20, { model, hparams: config.train, train: deviceData(config.data).train, dataSeed: 3 });
      return (await toHost(state.params))["fc1.weight"].data;
    };
    const [a, b] = [await on("wasm-blas", train), await on("wasm-blas", train)];
    const plain = await on("wasm", train);
    expect(b).toEqual(a);
    expect(relativeError(a, plain)).toBeLessThan(1e-3);
    expect(a.some((v, i) => v !== plain[i])).toBe(true);

    process.env.LOTTERY_BACKEND = "wasm-blas";
    const name = runHash(config);
    delete process.env.LOTTERY_BACKEND;
    // The default for MLPs where OpenBLAS loads.
    expect(backendFor("lenet-300-100")).toBe("wasm-blas");
    expect(runHash(config)).toBe(name);
    process.env.LOTTERY_BACKEND = "wasm";
    expect(runHash(config)).not.toBe(name);
  });

  it("records the library and its kernel set in the backend's description", async () => {
    process.env.LOTTERY_BACKEND = "wasm-blas";
    const info = await initBackend();
    expect(info.blas).toMatch(/^OpenBLAS [\d.]+ \(\w+ kernels, 1 thread\) via koffi$/);
  });

  // The pinned kernel set's bits, recorded on an Intel Xeon (whose own choice would be SkylakeX); there a run
  // pinned to Zen trains to the bits the committed results got on an AMD EPYC. Any AVX2/FMA machine must agree.
  it.skipIf(!pinned)("uses the pinned kernel set on an AVX2/FMA machine, and its products have the same bits everywhere", async () => {
    process.env.LOTTERY_BACKEND = "wasm-blas";
    expect((await initBackend()).blas).toContain(`(${PINNED_KERNELS} kernels`);
    const product = tf.tidy(() => tf.matMul(values([60, 784], 4), values([784, 300], 5)).dataSync() as Float32Array);
    expect(createHash("sha256").update(product).digest("hex").slice(0, 16)).toBe(PINNED_PRODUCT);
  });
});

describe("the pinned kernel set", () => {
  const cpu = (flags: string) => () => flags.split(" ");

  it("is chosen where the CPU has AVX2 and FMA, and only there", () => {
    expect(kernelsToPin({}, cpu("fpu sse2 avx avx2 fma avx512f"))).toBe(process.arch === "x64" ? PINNED_KERNELS : undefined);
    expect(kernelsToPin({}, cpu("fpu sse2 avx"))).toBeUndefined();
  });

  it("gives way to a kernel set named in OPENBLAS_CORETYPE", () => {
    expect(kernelsToPin({ OPENBLAS_CORETYPE: "Haswell" }, cpu("avx2 fma"))).toBeUndefined();
  });

  it.skipIf(!blas)("is what a process that names none loads, without leaving it in the environment for others", () => {
    const avx2 = kernelsToPin({}) === PINNED_KERNELS;
    const root = resolve(__dirname, "..");
    const kernels = (coretype: string | undefined) => {
      const env = { ...process.env };
      if (coretype === undefined) delete env.OPENBLAS_CORETYPE;
      else env.OPENBLAS_CORETYPE = coretype;
      // The kernel set loaded, and what the process's environment says afterwards (what programs it starts inherit).
      const code = 'console.log(require("./lib/kernels/blas").loadBlas().tag, process.env.OPENBLAS_CORETYPE ?? "unset")';
      return spawnSync(join(root, "node_modules", ".bin", "tsx"), ["-e", code], { cwd: root, env, encoding: "utf8" }).stdout.trim();
    };
    if (process.arch === "x64" && avx2) expect(kernels(undefined)).toBe(`openblas-${PINNED_KERNELS.toLowerCase()} unset`);
    expect(kernels("Haswell")).toBe("openblas-haswell Haswell");
  });
});

describe("without OpenBLAS", () => {
  const root = resolve(__dirname, "..");
  const child = (env: NodeJS.ProcessEnv, code: string) =>
    spawnSync(join(root, "node_modules", ".bin", "tsx"), ["-e", code], { cwd: root, env: { ...process.env, ...env }, encoding: "utf8" });

  it("falls back to plain wasm by default, and names the problem when wasm-blas is forced", () => {
    const fallback = child({ LOTTERY_BLAS: "off", LOTTERY_BACKEND: "" }, 'console.log(require("./lib/backend-choice").backendFor("lenet-300-100"))');
    expect(fallback.stdout.trim()).toBe("wasm");
    const forced = child(
      { LOTTERY_BLAS_LIBRARY: "/nonexistent/libopenblas.so", LOTTERY_BACKEND: "wasm-blas" },
      'require("./lib/cli").main(async () => { await require("./lib/backend").initBackend("lenet-300-100"); })',
    );
    expect(forced.status).not.toBe(0);
    expect(forced.stderr.trim()).toBe(
      "error: the wasm-blas backend needs OpenBLAS: no OpenBLAS library found (tried /nonexistent/libopenblas.so); install it (apt-get install libopenblas0-pthread) or set LOTTERY_BLAS_LIBRARY; or unset LOTTERY_BACKEND.",
    );
  });
});
