import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
// Imported up front so that the stock wasm kernels can be recorded before lib/backend replaces some.
import "@tensorflow/tfjs-backend-wasm";
import { initBackend } from "../lib/backend";
import { swapIsCheaper } from "../lib/kernels/matmul";
import { OPTIMIZER_UPDATE } from "../lib/kernels/project";
import { applyUpdate, freshOptimizer } from "../lib/train/optimizer";
import { TrainHparams } from "../lib/train/hparams";

// These kernels exist only for wasm: test them there whatever backend the other test files use.
process.env.LOTTERY_BACKEND = "wasm";

const REGISTERED = ["BatchMatMul", "_FusedMatMul", "Conv2DBackpropInput", "Conv2DBackpropFilter", "MaxPoolGrad", "Slice", "Identity", OPTIMIZER_UPDATE];
// Every backend with kernels in this process but wasm (@tensorflow/tfjs registers cpu's and webgl's).
const OTHERS = ["cpu", "webgl"];
const kernelsBefore = new Map([...OTHERS, "wasm"].map((b) => [b, tf.getKernelsForBackend(b)]));

type Shape4 = [number, number, number, number];
type Pad = "same" | "valid" | number | tf.backend_util.ExplicitPadding;

/** Deterministic values in [-1, 1) (mulberry32), so cpu and wasm see the same numbers. */
function values(shape: number[], seed: number): tf.Tensor {
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  let s = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1;
  }
  return tf.tensor(out, shape);
}

/** Runs `f` on cpu, then on wasm, and returns both results as arrays; leaves wasm active. */
async function onCpuAndWasm(f: () => tf.Tensor[]): Promise<{ cpu: Float32Array[]; wasm: Float32Array[] }> {
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    const outs = tf.tidy(f);
    const arrays = outs.map((t) => t.dataSync() as Float32Array);
    tf.dispose(outs);
    return arrays;
  };
  const cpu = await run("cpu");
  return { cpu, wasm: await run("wasm") };
}

/** Largest difference relative to the largest reference magnitude. */
function relativeError(actual: Float32Array, expected: Float32Array): number {
  expect(actual.length).toBe(expected.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / scale;
}

async function expectSameOnCpuAndWasm(f: () => tf.Tensor[]): Promise<void> {
  const { cpu, wasm } = await onCpuAndWasm(f);
  cpu.forEach((expected, i) => expect(relativeError(wasm[i], expected)).toBeLessThanOrEqual(1e-4));
}

const wasmDataIds = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();

interface ConvCase {
  x: Shape4;
  filter: Shape4;
  strides: number | [number, number];
  pad: Pad;
}

// Batch > 1, non-square images, 1x1 and 3x3 filters, strides 1 and 2, several channel counts.
const CONV_CASES: ConvCase[] = [
  { x: [2, 7, 5, 3], filter: [3, 3, 3, 4], strides: 1, pad: "same" },
  { x: [2, 7, 5, 3], filter: [3, 3, 3, 4], strides: 2, pad: "same" },
  { x: [3, 8, 6, 2], filter: [3, 3, 2, 5], strides: 1, pad: "valid" },
  { x: [3, 9, 7, 4], filter: [3, 3, 4, 8], strides: 2, pad: "valid" },
  { x: [2, 8, 11, 1], filter: [3, 3, 1, 6], strides: 2, pad: "same" },
  { x: [4, 6, 9, 5], filter: [1, 1, 5, 3], strides: 1, pad: "same" },
  { x: [2, 7, 5, 6], filter: [1, 1, 6, 2], strides: 2, pad: "valid" },
  { x: [2, 8, 6, 3], filter: [1, 1, 3, 4], strides: 2, pad: "same" },
  { x: [2, 10, 7, 3], filter: [3, 3, 3, 5], strides: [2, 1], pad: "same" },
  { x: [2, 9, 8, 16], filter: [3, 3, 16, 12], strides: 1, pad: 1 },
  { x: [2, 7, 6, 3], filter: [3, 3, 3, 4], strides: 2, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  // Padding wider than the filter: the transposed conv must crop rather than pad.
  { x: [2, 6, 7, 2], filter: [3, 3, 2, 3], strides: 1, pad: [[0, 0], [3, 0], [0, 4], [0, 0]] },
];

interface PoolCase {
  x: Shape4;
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: Pad;
  /** Inputs rounded to steps of 1/2, so that windows hold equal maxima (the first one takes the gradient). */
  ties?: boolean;
}

// Batch > 1, non-square images, several channel counts; windows overlapping, hanging over the padding and
// (with inputs in [-1, 1)) holding only negative values.
const POOL_CASES: PoolCase[] = [
  { x: [2, 8, 6, 3], filterSize: 2, strides: 2, pad: "valid" },
  { x: [3, 7, 5, 4], filterSize: 3, strides: 2, pad: "same" },
  { x: [2, 9, 6, 5], filterSize: 2, strides: 2, pad: "valid" },
  { x: [2, 10, 7, 1], filterSize: 3, strides: 2, pad: "same" },
  { x: [3, 6, 8, 2], filterSize: 3, strides: 1, pad: "same" },
  { x: [2, 7, 9, 3], filterSize: [2, 3], strides: [1, 2], pad: "valid" },
  { x: [2, 8, 6, 16], filterSize: 3, strides: 2, pad: 1 },
  { x: [2, 7, 6, 3], filterSize: 2, strides: 2, pad: [[0, 0], [1, 0], [0, 1], [0, 0]] },
  { x: [2, 8, 8, 4], filterSize: 2, strides: 2, pad: "valid", ties: true },
  { x: [2, 7, 7, 4], filterSize: 3, strides: 2, pad: "same", ties: true },
];

const poolName = (c: PoolCase) =>
  `x ${c.x} filter ${c.filterSize} strides ${c.strides} pad ${JSON.stringify(c.pad)}${c.ties ? " with ties" : ""}`;

/** A pool case's input, its max pool and a gradient dy of the pool's shape. */
function poolTensors(c: PoolCase, seed: number) {
  const x = c.ties ? tf.div(tf.round(tf.mul(values(c.x, seed), 2)), 2) : values(c.x, seed);
  const attrs = { filterSize: c.filterSize, strides: c.strides, pad: c.pad };
  const output = tf.engine().runKernel("MaxPool", { x }, attrs as never) as tf.Tensor;
  return { x, output, dy: values(output.shape, seed + 1), attrs };
}

const convName = (c: ConvCase) => `x ${c.x} filter ${c.filter} strides ${c.strides} pad ${JSON.stringify(c.pad)}`;

/** A conv case's input, filter and a gradient dy of the conv output's shape. */
function convTensors(c: ConvCase, seed: number) {
  const outShape = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad).outShape;
  return { x: values(c.x, seed), filter: values(c.filter, seed + 1), dy: values(outShape, seed + 2) };
}

describe("wasm training kernels", () => {
  beforeAll(async () => {
    expect((await initBackend()).name).toBe("wasm");
  });

  it("are registered on wasm only, leaving every other backend's kernels untouched", () => {
    for (const backend of OTHERS) {
      const now = tf.getKernelsForBackend(backend);
      expect(now.length).toBe(kernelsBefore.get(backend)!.length);
      kernelsBefore.get(backend)!.forEach((k, i) => expect(now[i]).toBe(k));
    }
    const stockWasm = new Map(kernelsBefore.get("wasm")!.map((k) => [k.kernelName, k.kernelFunc]));
    expect(stockWasm.has("Conv2DBackpropFilter")).toBe(false);
    for (const name of REGISTERED) {
      expect(tf.getKernel(name, "wasm")?.kernelFunc).toBeDefined();
      expect(tf.getKernel(name, "wasm")!.kernelFunc).not.toBe(stockWasm.get(name));
    }
    for (const [name, kernelFunc] of stockWasm) {
      if (!REGISTERED.includes(name)) expect(tf.getKernel(name, "wasm")!.kernelFunc).toBe(kernelFunc);
    }
  });

  it.each(CONV_CASES.map((c, i) => [convName(c), c, i] as const))("Conv2DBackpropFilter matches cpu: %s", async (_, c, i) => {
    await expectSameOnCpuAndWasm(() => {
      const { x, dy } = convTensors(c, 10 * i);
      const attrs = { strides: c.strides, pad: c.pad, dataFormat: "NHWC", filterShape: c.filter };
      return [tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, attrs as never) as tf.Tensor];
    });
  });

  it.each(CONV_CASES.map((c, i) => [convName(c), c, i] as const))("Conv2DBackpropInput matches cpu: %s", async (_, c, i) => {
    await expectSameOnCpuAndWasm(() => {
      const { filter, dy } = convTensors(c, 10 * i);
      const attrs = { strides: c.strides, pad: c.pad, dataFormat: "NHWC", inputShape: c.x };
      return [tf.engine().runKernel("Conv2DBackpropInput", { dy, filter }, attrs as never) as tf.Tensor];
    });
  });

  it.each(POOL_CASES.map((c, i) => [poolName(c), c, i] as const))("MaxPoolGrad matches cpu: %s", async (_, c, i) => {
    await expectSameOnCpuAndWasm(() => {
      const { x, output, dy, attrs } = poolTensors(c, 10 * i);
      return [tf.engine().runKernel("MaxPoolGrad", { dy, input: x, output }, attrs as never) as tf.Tensor];
    });
  });

  it("Conv2DBackpropInput still handles NCHW (through the stock kernel)", async () => {
    await expectSameOnCpuAndWasm(() => {
      const filter = values([3, 3, 3, 4], 1);
      const dy = values([2, 4, 4, 3], 2);
      const attrs = { strides: 2, pad: "same", dataFormat: "NCHW", inputShape: [2, 3, 7, 5] };
      return [tf.engine().runKernel("Conv2DBackpropInput", { dy, filter }, attrs as never) as tf.Tensor];
    });
  });

  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])("BatchMatMul and _FusedMatMul match cpu (transposeA %s, transposeB %s)", async (transposeA, transposeB) => {
    await expectSameOnCpuAndWasm(() => {
      const a = values(transposeA ? [37, 23] : [23, 37], 1);
      const b = values(transposeB ? [19, 37] : [37, 19], 2);
      const a3 = values(transposeA ? [3, 37, 23] : [3, 23, 37], 3);
      const b3 = values(transposeB ? [3, 19, 37] : [3, 37, 19], 4);
      const bias = values([19], 5);
      return [
        tf.matMul(a, b, transposeA, transposeB),
        tf.matMul(a3, b3, transposeA, transposeB),
        tf.fused.matMul({ a, b, transposeA, transposeB, bias, activation: "relu" }),
        // No bias here: stock wasm adds a bias wrongly to batched products, transposed or not.
        tf.fused.matMul({ a: a3, b: b3, transposeA, transposeB, activation: "relu" }),
      ];
    });
  });

  it("swap a small left operand's product with a large right one, and only that", () => {
    expect(swapIsCheaper({ m: 60, k: 784, n: 300 }, false, false)).toBe(true); // a batch times fresh weights
    expect(swapIsCheaper({ m: 60, k: 100, n: 300 }, false, true)).toBe(true); // the gradient through them
    expect(swapIsCheaper({ m: 784, k: 60, n: 300 }, true, false)).toBe(false); // the weight gradient
    expect(swapIsCheaper({ m: 5000, k: 784, n: 300 }, false, false)).toBe(false); // evaluation
  });

  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])("swapped products match cpu (transposeA %s, transposeB %s)", async (transposeA, transposeB) => {
    expect(swapIsCheaper({ m: 6, k: 70, n: 90 }, transposeA, transposeB)).toBe(true);
    await expectSameOnCpuAndWasm(() => {
      const a = values(transposeA ? [70, 6] : [6, 70], 1);
      const b = values(transposeB ? [90, 70] : [70, 90], 2);
      const a3 = values(transposeA ? [1, 70, 6] : [1, 6, 70], 3);
      const b3 = values(transposeB ? [1, 90, 70] : [1, 70, 90], 4);
      return [tf.matMul(a, b, transposeA, transposeB), tf.matMul(a3, b3, transposeA, transposeB)];
    });
  });

  const UPDATE_CASES: [string, Partial<TrainHparams>, boolean][] = [
    ["adam", { optimizer: "adam", weightDecay: 0 }, false],
    ["adam, weight decay and mask", { optimizer: "adam", weightDecay: 1e-3 }, true],
    ["sgd", { optimizer: "sgd", momentum: 0, weightDecay: 0 }, false],
    ["sgd with momentum, weight decay and mask", { optimizer: "sgd", momentum: 0.9, weightDecay: 5e-4 }, true],
  ];

  it.each(UPDATE_CASES)("the fused optimizer update gives the tensor form's numbers bit for bit: %s", (_, hp, masked) => {
    const h = hp as TrainHparams;
    // 91 values: SIMD lanes and a scalar tail. Several updates, so that slots and bias corrections evolve.
    const p0 = values([7, 13], 1);
    const mask = masked ? tf.cast(tf.greater(values([7, 13], 2), 0), "float32") : undefined;
    const run = (fused: boolean) =>
      tf.tidy(() => {
        let p = mask ? tf.mul(p0, mask) : p0;
        let slots = freshOptimizer(h, { w: p }).slots;
        for (let t = 1; t <= 4; t++) {
          const next: Record<string, tf.Tensor> = {};
          p = applyUpdate(h, { name: "w", p, grad: values([7, 13], 10 + t), mask }, 0.01 * t, t, slots, next, fused);
          slots = next;
        }
        return [p, ...Object.values(slots)].map((x) => x.dataSync() as Float32Array);
      });
    const [fused, tensor] = [run(true), run(false)];
    expect(fused.length).toBe(h.optimizer === "adam" ? 3 : h.momentum > 0 ? 2 : 1);
    fused.forEach((x, i) => expect(Array.from(x)).toEqual(Array.from(tensor[i])));
    if (mask) {
      const m = mask.dataSync();
      expect(Array.from(fused[0]).every((x, i) => m[i] === 1 || x === 0)).toBe(true);
    }
    tf.dispose([p0, ...(mask ? [mask] : [])]);
  });

  it("free their intermediates", () => {
    const c = CONV_CASES[3];
    const { x, filter, dy } = convTensors(c, 1);
    const a = values([5, 7], 2);
    const pool = poolTensors(POOL_CASES[1], 3);
    // Products that take the swapped route.
    const [small, wide, wideT] = [values([2, 40], 4), values([40, 50], 5), values([50, 40], 6)];
    const before = wasmDataIds();
    const outs = [
      tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, { strides: c.strides, pad: c.pad, dataFormat: "NHWC", filterShape: c.filter } as never),
      tf.engine().runKernel("Conv2DBackpropInput", { dy, filter }, { strides: c.strides, pad: c.pad, dataFormat: "NHWC", inputShape: c.x } as never),
      tf.matMul(a, a, true, false),
      tf.fused.matMul({ a, b: a, transposeB: true }),
      tf.matMul(small, wide),
      tf.matMul(small, wideT, false, true),
      tf.engine().runKernel("MaxPoolGrad", { dy: pool.dy, input: pool.x, output: pool.output }, pool.attrs as never),
    ] as tf.Tensor[];
    expect(wasmDataIds()).toBe(before + outs.length);
    tf.dispose([...outs, x, filter, dy, a, pool.x, pool.output, pool.dy, small, wide, wideT]);
  });

  it("tf.grads through a small conv net matches cpu", async () => {
    await expectSameOnCpuAndWasm(() => {
      const x = values([3, 9, 8, 3], 1);
      const w1 = values([3, 3, 3, 6], 2);
      const w2 = values([1, 1, 6, 4], 3);
      const net = (x: tf.Tensor, w1: tf.Tensor, w2: tf.Tensor) =>
        tf.mean(tf.conv2d(tf.relu(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 1, "same")), w2 as tf.Tensor4D, 2, "valid"));
      return tf.grads(net)([x, w1, w2]);
    });
  });

  it("tf.grads through conv, relu, max pooling and mean matches cpu", async () => {
    await expectSameOnCpuAndWasm(() => {
      const x = values([3, 9, 8, 3], 1);
      const w1 = values([3, 3, 3, 6], 2);
      const w2 = values([3, 3, 6, 4], 3);
      const net = (x: tf.Tensor, w1: tf.Tensor, w2: tf.Tensor) => {
        const h = tf.maxPool(tf.relu(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 1, "same")), 2, 2, "valid");
        return tf.mean(tf.maxPool(tf.relu(tf.conv2d(h, w2 as tf.Tensor4D, 1, "same")), 3, 2, "same"));
      };
      return tf.grads(net)([x, w1, w2]);
    });
  });

  it.each([
    ["leading rows (contiguous: copied from a heap view)", [7, 5, 3], [2, 0, 0], [4, 5, 3]],
    ["a middle block (strided: the stock kernel)", [7, 5, 3], [1, 2, 1], [3, 2, 2]],
    ["a rank-1 range", [50], [7], [20]],
  ] as const)("Slice of %s matches cpu exactly", async (_, shape, begin, size) => {
    const { cpu, wasm } = await onCpuAndWasm(() => [tf.slice(values([...shape], 9), [...begin], [...size])]);
    expect(wasm[0]).toEqual(cpu[0]);
  });

  it("tf.clone shares the heap entry, and each copy outlives the other's disposal", async () => {
    await tf.setBackend("wasm");
    const x = values([4, 6], 11);
    const expected = x.dataSync().slice();
    const bytesBefore = tf.memory().numBytes;
    const y = tf.clone(x);
    // tfjs counts a tensor's bytes per tensor; what the backend holds is one entry with two references.
    expect((tf.backend() as unknown as { refCount(id: object): number }).refCount(y.dataId)).toBe(2);
    x.dispose();
    expect(y.dataSync()).toEqual(expected);
    const z = tf.clone(y);
    y.dispose();
    expect(z.dataSync()).toEqual(expected);
    z.dispose();
    expect(tf.memory().numBytes).toBe(bytesBefore - expected.length * 4);
  });
});
