import * as tf from "@tensorflow/tfjs";
import { UserError } from "./util/errors";
import { registerWasmFastKernels } from "./kernels/wasm";

/**
 * Picks the fastest tfjs backend available: tfjs-node-gpu, then tfjs-node (both optional native
 * packages), then WebAssembly, then plain JavaScript. `LOTTERY_BACKEND=tensorflow|wasm|cpu` forces one.
 */
export const BACKENDS = ["tensorflow", "wasm", "cpu"] as const;
export type BackendName = (typeof BACKENDS)[number];

let ready: Promise<BackendInfo> | null = null;

export interface BackendInfo {
  name: BackendName;
  /** The package that provided it, e.g. "@tensorflow/tfjs-node-gpu". */
  source: string;
  tfjsVersion: string;
}

function tryNative(): string | null {
  for (const pkg of ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"]) {
    try {
      require(pkg);
    } catch {
      continue;
    }
    // The package name alone proves nothing: the danfo override aliases tfjs-node to plain tfjs.
    if (tf.findBackend("tensorflow")) return pkg;
  }
  return null;
}

async function activate(name: BackendName): Promise<boolean> {
  if (name === "wasm") await import("@tensorflow/tfjs-backend-wasm");
  if (!tf.findBackend(name) && !tf.engine().registryFactory[name]) return false;
  const ok = await tf.setBackend(name);
  await tf.ready();
  return ok && tf.getBackend() === name;
}

async function init(requested: string | undefined): Promise<BackendInfo> {
  if (requested && !(BACKENDS as readonly string[]).includes(requested)) {
    throw new UserError(`LOTTERY_BACKEND="${requested}" is not a backend; use one of: ${BACKENDS.join(", ")} (or unset it to pick the fastest).`);
  }
  const native = requested === undefined || requested === "tensorflow" ? tryNative() : null;
  const order: BackendName[] = requested ? [requested as BackendName] : native ? ["tensorflow", "wasm", "cpu"] : ["wasm", "cpu"];
  for (const name of order) {
    if (name === "tensorflow" && !native) continue;
    if (await activate(name)) {
      if (name === "wasm") await registerWasmFastKernels();
      const source = name === "tensorflow" ? native! : name === "wasm" ? "@tensorflow/tfjs-backend-wasm" : "@tensorflow/tfjs-backend-cpu";
      return { name, source, tfjsVersion: tf.version.tfjs };
    }
  }
  throw new UserError(
    requested === "tensorflow"
      ? "LOTTERY_BACKEND=tensorflow but neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed and working; install one, or unset LOTTERY_BACKEND."
      : `backend "${requested}" could not be initialised; unset LOTTERY_BACKEND to pick the fastest available.`,
  );
}

/** Initialises the backend once per process and returns what was chosen. */
export function initBackend(): Promise<BackendInfo> {
  ready ??= init(process.env.LOTTERY_BACKEND || undefined);
  return ready;
}

export { tf };
