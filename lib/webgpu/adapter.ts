import { spawnSync } from "node:child_process";
import { pathToFileURL } from "node:url";
import { MISSING_PACKAGES, dawnEntry, selectVulkanDriver } from "./driver";

/** What Dawn says about the GPU it would run on (WebGPU's GPUAdapterInfo). */
export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software adapter (lavapipe, SwiftShader) or one with reduced performance, by WebGPU's definition. */
  isFallbackAdapter: boolean;
}

/** Narrow with `ok === false`: the notebooks' kernel (tslab) compiles without strictNullChecks, where `!ok` does not narrow. */
export type AdapterProbe = { ok: true; adapter: AdapterInfo } | { ok: false; reason: string };

/**
 * Asks Dawn for the adapter in a child process, synchronously: a run's identity (backend-choice.ts, which must
 * not wait) names the adapter, and Dawn's reasons for rejecting a driver are printed on its stderr, which a
 * child's can be read from. The main process asks again when it starts the backend (webgpu/start.ts).
 */
const PROBE = `
const { create } = await import(process.argv[1]);
const adapter = await create([]).requestAdapter({ powerPreference: "high-performance" });
const i = adapter?.info;
process.stdout.write(JSON.stringify(i ? { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description, isFallbackAdapter: Boolean(i.isFallbackAdapter ?? adapter.isFallbackAdapter) } : null));
process.exit(0);
`;

const FIX = "run `npm run webgpu` to install lavapipe (a CPU driver, for tests), or set VK_DRIVER_FILES to a GPU's Vulkan driver (its ICD JSON)";

let probed: AdapterProbe | undefined;

/** The adapter the webgpu backend runs on, or why there is none (one sentence with the fix). Asked once per process. */
export function probeAdapter(): AdapterProbe {
  return (probed ??= probe());
}

function probe(): AdapterProbe {
  const dawn = dawnEntry();
  if (!dawn) return { ok: false, reason: MISSING_PACKAGES };
  const driver = selectVulkanDriver();
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", PROBE, pathToFileURL(dawn).href], { encoding: "utf8", timeout: 60_000 });
  let adapter: AdapterInfo | null = null;
  try {
    adapter = r.status === 0 ? JSON.parse(r.stdout) : null;
  } catch {
    adapter = null;
  }
  if (adapter) return { ok: true, adapter };
  return { ok: false, reason: noAdapterReason(r.status === 0 ? null : firstLine(r.error?.message ?? r.stderr), r.stderr ?? "", driver) };
}

/** Why Dawn found no adapter, from what it printed: each driver it rejected is a warning followed by "While initializing adapter". */
export function noAdapterReason(crash: string | null, stderr: string, driver: string | null): string {
  if (crash) return `Dawn (the webgpu package) failed to start: ${crash}`;
  const lines = stderr.split("\n");
  const rejected = lines.flatMap((l, i) => (/^Warning: /.test(l) && /While initializing adapter/.test(lines[i + 1] ?? "") ? [l.slice("Warning: ".length).trim()] : []));
  const where = driver ? `the Vulkan driver in ${driver}` : "the system's Vulkan drivers";
  if (rejected.some((r) => r.includes("ArrayDynamicIndexing"))) return `Dawn rejects ${where} as too old (it says "${rejected[0]}", as for Debian 12's lavapipe, Mesa 22): ${FIX}`;
  if (rejected.length) return `Dawn rejects ${where} ("${rejected[0]}"): ${FIX}`;
  const causes = driver ? "a missing or broken driver file, or no Vulkan loader: apt-get install libvulkan1" : "none is installed, or the Vulkan loader libvulkan.so.1 is missing";
  return `Dawn finds no GPU adapter with ${where} (${causes}): ${FIX}`;
}

function firstLine(s: string): string {
  return s.split("\n").find((l) => l.trim() && !/XDG_RUNTIME_DIR/.test(l))?.trim() ?? "no output";
}

/**
 * Whether the adapter is a GPU, not a CPU driver: WebGPU's fallback flag, Dawn's "software" architecture, and
 * the names of the CPU Vulkan drivers (lavapipe's device is llvmpipe) each say it is not.
 */
export function isRealGpu(a: AdapterInfo): boolean {
  return !a.isFallbackAdapter && a.architecture !== "software" && !/llvmpipe|lavapipe|swiftshader/i.test(`${a.device} ${a.description}`);
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");

/**
 * The adapter in a run's identity: its vendor and device (e.g. `mesa-llvmpipe-llvm-15-0-6-256-bits`). Two GPUs
 * need not round alike, so the cache never mixes them; the driver's version is in provenance, not in the name.
 */
export function adapterTag(a: AdapterInfo): string {
  return [slug(a.vendor), slug(a.device) || slug(a.architecture) || slug(a.description)].filter(Boolean).join("-").slice(0, 80) || "unknown";
}

/** One line for provenance and messages, e.g. "llvmpipe: Mesa 25.0.7 (LLVM 15.0.6) (mesa, software, not a GPU)". */
export function describeAdapter(a: AdapterInfo): string {
  const details = [a.vendor, a.architecture, isRealGpu(a) ? "" : "not a GPU"].filter(Boolean).join(", ");
  return `${a.description || a.device || "unnamed adapter"}${details ? ` (${details})` : ""}`;
}
