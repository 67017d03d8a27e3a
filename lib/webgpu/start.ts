import * as tf from "@tensorflow/tfjs";
import { UserError } from "../util/errors";
import { AdapterInfo, adapterTag, describeAdapter, probeAdapter } from "./adapter";
import { MISSING_PACKAGES } from "./driver";

/**
 * tfjs's webgpu backend in Node, on Dawn's bindings (the `webgpu` package): Dawn's globals (GPUBufferUsage, ...)
 * and `navigator.gpu` installed, then a tfjs backend registered on a device of the adapter `probeAdapter` found.
 * Registered here rather than by the package itself (which registers at import when navigator.gpu exists, with a
 * priority above wasm's), so that nothing picks it unasked and its adapter is the one named in the run's identity.
 */
export interface WebgpuStart {
  adapter: AdapterInfo;
  /** The packages and versions, for provenance. */
  source: string;
}

let started: Promise<WebgpuStart> | null = null;

/** Registers the "webgpu" tfjs backend once per thread; a failure is a UserError naming why and the fix. */
export function registerWebgpu(): Promise<WebgpuStart> {
  started ??= register().catch((e: unknown) => {
    started = null;
    throw e;
  });
  return started;
}

/** After a failed start: tfjs keeps a backend that failed to initialise as the current one unless it is removed. */
export function unregisterWebgpu(): void {
  if (tf.engine().registryFactory.webgpu) tf.removeBackend("webgpu");
  started = null;
}

const cannot = (why: string) => new UserError(`the webgpu backend cannot start: ${why}; or unset LOTTERY_BACKEND.`);

async function register(): Promise<WebgpuStart> {
  const probe = probeAdapter();
  if (probe.ok === false) throw cannot(probe.reason);
  // Imported before navigator.gpu exists, so that the package does not register its own factory.
  const { WebGPUBackend } = await import("@tensorflow/tfjs-backend-webgpu").catch(() => {
    throw cannot(MISSING_PACKAGES);
  });
  const { create, globals } = await import("webgpu");
  Object.assign(globalThis, globals);
  const gpu = create([]);
  installNavigatorGpu(gpu);
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) throw cannot("Dawn found an adapter in a child process but none in this one");
  const info: AdapterInfo = { ...probe.adapter, ...pick(adapter.info) };
  if (adapterTag(info) !== adapterTag(probe.adapter)) throw cannot(`the adapter changed between two requests (${describeAdapter(probe.adapter)}, then ${describeAdapter(info)})`);
  // The limits tfjs's own factory asks for: the adapter's, where WebGPU's defaults are lower.
  const l = adapter.limits;
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    },
  });
  // Built here, not in the factory, so that a failure is this one line rather than tfjs's warning and stack.
  let backend: InstanceType<typeof WebGPUBackend>;
  try {
    backend = new WebGPUBackend(device, adapter.info);
  } catch (e) {
    throw cannot(`tfjs's webgpu backend rejects the device (${(e as Error).message})`);
  }
  // Priority 0: below cpu (1) and wasm (2), so only an explicit setBackend("webgpu") selects it.
  tf.registerBackend("webgpu", () => backend, 0);
  return { adapter: info, source: `@tensorflow/tfjs-backend-webgpu ${version("@tensorflow/tfjs-backend-webgpu")} on Dawn (webgpu ${version("webgpu")})` };
}

function pick(i: GPUAdapterInfo): Partial<AdapterInfo> {
  return { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description };
}

/** Node 20 has no navigator; Node 21+ has one without `gpu`. tfjs's backend checks navigator.gpu when it is constructed. */
function installNavigatorGpu(gpu: GPU): void {
  const g = globalThis as { navigator?: object };
  if (!g.navigator) g.navigator = {};
  if (!(g.navigator as { gpu?: GPU }).gpu) Object.defineProperty(g.navigator, "gpu", { value: gpu, configurable: true });
}

function version(name: string): string {
  try {
    return require(`${name}/package.json`).version as string;
  } catch {
    return "unknown";
  }
}
