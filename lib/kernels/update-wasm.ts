import * as tf from "@tensorflow/tfjs";
import wabtModule from "wabt";

/**
 * The optimizer updates as a small WebAssembly module of our own, sharing the wasm backend's memory so
 * that it reads and writes tensors in place. Each update is one SIMD pass over a parameter (4 floats per
 * instruction) where the tensor form takes a dozen kernel calls; float32 SIMD arithmetic is exact IEEE,
 * and every operation below is one op of the tensor form in `optimizer.ts`, in the same order, so the
 * two give bit-identical weights. The module is written as WebAssembly text, generated once for the
 * vector loop and once for the scalar tail (lengths not a multiple of 4), and assembled by wabt.
 */
export interface UpdateModule {
  adam(ptrs: AdamPointers, n: number, s: AdamScalars): void;
  sgd(ptrs: SgdPointers, n: number, s: SgdScalars): void;
}

/** Byte offsets in the wasm heap; 0 for an absent mask. */
export interface SgdPointers {
  p: number;
  grad: number;
  mask: number;
  pOut: number;
  /** Momentum buffer in and out (0 without momentum). */
  m: number;
  mOut: number;
}

export interface AdamPointers extends SgdPointers {
  v: number;
  vOut: number;
}

/** Float32 scalars; a zero weight decay or momentum skips its term (as the tensor form does). */
export interface SgdScalars {
  lr: number;
  weightDecay: number;
  momentum: number;
}

export interface AdamScalars {
  lr: number;
  weightDecay: number;
  beta1: number;
  oneMinusBeta1: number;
  beta2: number;
  oneMinusBeta2: number;
  eps: number;
  correction1: number;
  correction2: number;
}

type Lanes = "f32x4" | "f32";

/** One element (or four) of each rule; `$o` is the byte offset of the element from each array's start. */
function ops(t: Lanes) {
  const width = t === "f32x4" ? 16 : 4;
  const load = (ptr: string) => `(${t === "f32x4" ? "v128" : "f32"}.load (i32.add (local.get $${ptr}) (local.get $o)))`;
  const store = (ptr: string, value: string) => `(${t === "f32x4" ? "v128" : "f32"}.store (i32.add (local.get $${ptr}) (local.get $o)) ${value})`;
  // Scalars are splatted into v128 locals (suffix _v) once, before the vector loop.
  const k = (name: string) => `(local.get $${name}${t === "f32x4" ? "_v" : ""})`;
  const op = (name: string, ...args: string[]) => `(${t}.${name} ${args.join(" ")})`;
  /** g = grad [* mask] [+ p * wd]. */
  const gradient = `
    (local.set $g${t} ${load("grad")})
    (if (local.get $hasMask) (then (local.set $g${t} ${op("mul", `(local.get $g${t})`, load("mask"))})))
    (if (local.get $hasWd) (then (local.set $g${t} ${op("add", `(local.get $g${t})`, op("mul", load("p"), k("wd")))})))`;
  const finish = (step: string) => `
    (local.set $x${t} ${op("sub", load("p"), op("mul", k("lr"), step))})
    (if (local.get $hasMask) (then (local.set $x${t} ${op("mul", `(local.get $x${t})`, load("mask"))})))
    ${store("pOut", `(local.get $x${t})`)}`;
  const adam = `${gradient}
    (local.set $m${t} ${op("add", op("mul", load("m"), k("b1")), op("mul", `(local.get $g${t})`, k("c1m")))})
    (local.set $v${t} ${op("add", op("mul", load("v"), k("b2")), op("mul", op("mul", `(local.get $g${t})`, `(local.get $g${t})`), k("c2m")))})
    ${store("mOut", `(local.get $m${t})`)}
    ${store("vOut", `(local.get $v${t})`)}
    ${finish(op("div", op("div", `(local.get $m${t})`, k("corr1")), op("add", op("sqrt", op("div", `(local.get $v${t})`, k("corr2"))), k("eps"))))}`;
  const sgd = `${gradient}
    (if (local.get $hasMom) (then
      (local.set $g${t} ${op("add", op("mul", load("m"), k("mom")), `(local.get $g${t})`)})
      ${store("mOut", `(local.get $g${t})`)}))
    ${finish(`(local.get $g${t})`)}`;
  return { width, adam, sgd };
}

/** A loop over [from, to) bytes of every array, `width` bytes per iteration. */
const loop = (body: string, width: number, from: string, to: string) => `
    (local.set $o ${from})
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $o) ${to}))
      ${body}
      (local.set $o (i32.add (local.get $o) (i32.const ${width})))
      (br $next)))`;

function rule(name: "adam" | "sgd", pointers: string[], scalars: string[]): string {
  const [vec, one] = [ops("f32x4"), ops("f32")];
  const vectorEnd = "(i32.and (i32.mul (local.get $n) (i32.const 4)) (i32.const -16))";
  const splats = scalars.map((s) => `(local.set $${s}_v (f32x4.splat (local.get $${s})))`).join("\n    ");
  return `
  (func (export "${name}") ${pointers.map((p) => `(param $${p} i32)`).join(" ")} (param $n i32)
      (param $hasMask i32) (param $hasWd i32) (param $hasMom i32) ${scalars.map((s) => `(param $${s} f32)`).join(" ")}
    (local $o i32) ${scalars.map((s) => `(local $${s}_v v128)`).join(" ")}
    (local $gf32x4 v128) (local $mf32x4 v128) (local $vf32x4 v128) (local $xf32x4 v128)
    (local $gf32 f32) (local $mf32 f32) (local $vf32 f32) (local $xf32 f32)
    ${splats}
    ${loop(vec[name], vec.width, "(i32.const 0)", vectorEnd)}
    ${loop(one[name], one.width, vectorEnd, "(i32.mul (local.get $n) (i32.const 4))")})`;
}

const SOURCE = `(module
  (import "env" "memory" (memory 0))
  ${rule("adam", ["p", "grad", "mask", "pOut", "m", "mOut", "v", "vOut"], ["lr", "wd", "b1", "c1m", "b2", "c2m", "eps", "corr1", "corr2"])}
  ${rule("sgd", ["p", "grad", "mask", "pOut", "m", "mOut"], ["lr", "wd", "mom"])}
)`;

/** The parts of the WebAssembly JS API used here (the ES2022 lib that tsconfig uses has none). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, (...args: number[]) => void> };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: Promise<object> | null = null;

async function compile(): Promise<object> {
  // wabt is an Emscripten module; its factory resolves to the assembler.
  const wabt = await wabtModule();
  const parsed = wabt.parseWat("optimizer-update.wat", SOURCE, { simd: true });
  try {
    return new wasmApi.Module(parsed.toBinary({}).buffer);
  } finally {
    parsed.destroy();
  }
}

/** The update module bound to the wasm backend's memory (the backend must be initialised). */
export async function loadUpdateModule(): Promise<UpdateModule> {
  const memory = (tf.findBackend("wasm") as unknown as { wasm: { asm: { memory: object } } }).wasm.asm.memory;
  compiled ??= compile();
  const e = new wasmApi.Instance(await compiled, { env: { memory } }).exports;
  const flags = (mask: number, wd: number, mom: number) => [mask !== 0 ? 1 : 0, wd !== 0 ? 1 : 0, mom !== 0 ? 1 : 0];
  return {
    adam: (p, n, s) =>
      e.adam(p.p, p.grad, p.mask, p.pOut, p.m, p.mOut, p.v, p.vOut, n, ...flags(p.mask, s.weightDecay, 0),
        s.lr, s.weightDecay, s.beta1, s.oneMinusBeta1, s.beta2, s.oneMinusBeta2, s.eps, s.correction1, s.correction2),
    sgd: (p, n, s) => e.sgd(p.p, p.grad, p.mask, p.pOut, p.m, p.mOut, n, ...flags(p.mask, s.weightDecay, s.momentum), s.lr, s.weightDecay, s.momentum),
  };
}
