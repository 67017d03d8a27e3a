import * as tf from "@tensorflow/tfjs";
import { UserError } from "./util/errors";
import { registerWasmFastKernels } from "./kernels/wasm";
import { BackendName, backendFor, forcedBackend, nativePackage } from "./backend-choice";

/**
 * Activates the tfjs backend a piece of work needs (see backend-choice.ts: conv nets on tfjs-node when it
 * is installed, the rest on wasm; LOTTERY_BACKEND forces one). A thread may switch between backends from
 * one run to the next; every run disposes its tensors, so nothing crosses over.
 */
export { BACKENDS, BackendName, backendFor } from "./backend-choice";

export interface BackendInfo {
  name: BackendName;
  /** The package that provided it, e.g. "@tensorflow/tfjs-node". */
  source: string;
  tfjsVersion: string;
}

let wasmKernels: Promise<void> | null = null;
let queue: Promise<unknown> = Promise.resolve();

async function activate(name: BackendName): Promise<BackendInfo> {
  let source = name === "wasm" ? "@tensorflow/tfjs-backend-wasm" : "@tensorflow/tfjs-backend-cpu";
  if (name === "tensorflow") {
    const pkg = nativePackage();
    if (!pkg) throw new UserError("the tensorflow backend (tfjs-node) is not installed; run `npm run native`, or unset LOTTERY_BACKEND.");
    require(pkg);
    source = pkg.includes(".native") ? "@tensorflow/tfjs-node (built by npm run native)" : pkg;
  }
  if (name === "wasm") await import("@tensorflow/tfjs-backend-wasm");
  if (tf.getBackend() !== name) {
    if (!tf.findBackend(name) && !tf.engine().registryFactory[name]) throw new UserError(`backend "${name}" is not available; unset LOTTERY_BACKEND to pick per model.`);
    if (!(await tf.setBackend(name))) throw new UserError(`backend "${name}" could not be initialised; unset LOTTERY_BACKEND to pick per model.`);
    await tf.ready();
  }
  if (name === "wasm") await (wasmKernels ??= registerWasmFastKernels());
  return { name, source, tfjsVersion: tf.version.tfjs };
}

/**
 * Makes the backend for `model` (or, without one, the default: LOTTERY_BACKEND, else wasm) the active
 * one and says which it is. Calls are serialised so that two concurrent callers never interleave a switch.
 */
export function initBackend(model?: string): Promise<BackendInfo> {
  const name = model ? backendFor(model) : (forcedBackend() ?? "wasm");
  const next = queue.then(() => activate(name));
  queue = next.catch(() => undefined);
  return next;
}

export { tf };
