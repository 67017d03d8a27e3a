import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { BACKENDS, BackendName, forcedBackend, nativePackage } from "../backend-choice";
import { loadBlas } from "../kernels/blas";
import { BATCH_NORM_SETTING, BATCH_NORM_TAG } from "../kernels/tensorflow-settings";
import { describeAdapter, probeAdapter } from "../webgpu/adapter";

/**
 * Recomputing a results folder that already holds a figure (a committed `cpu` result, say) on the backend
 * that computed it. Backends agree to float32 rounding, not bit for bit, so a default that changed since
 * (wasm-blas where OpenBLAS loads) would otherwise rewrite the data with no change of code or config.
 * LOTTERY_BACKEND, when set, wins; a recorded backend that cannot run here is said, not forced.
 */
export interface BackendDecision {
  /** The backend to force for every workload of the run, or null to keep the per-model choice. */
  pin: BackendName | null;
  /** One line for the user: what was chosen and why; null when the folder records nothing. */
  line: string | null;
  /** Environment settings that select the kernels the folder records (tfjs-node's batch norm), for every worker. */
  settings: Record<string, string>;
}

/** The backend recorded in `outDir/provenance.json`, if any. */
export function recordedBackend(outDir: string): { name: BackendName; blas?: string; adapter?: string; kernels?: string } | null {
  const path = join(outDir, "provenance.json");
  if (!existsSync(path)) return null;
  try {
    const backend = JSON.parse(readFileSync(path, "utf8")).backend;
    return (BACKENDS as readonly string[]).includes(backend?.name) ? { name: backend.name, blas: backend.blas, adapter: backend.adapter, kernels: backend.kernels } : null;
  } catch {
    return null; // an unreadable provenance pins nothing; the output guard reports the folder itself
  }
}

/** Whether `name` can run on this machine. */
function available(name: BackendName): boolean {
  if (name === "tensorflow") return nativePackage() !== null;
  if (name === "wasm-blas") return loadBlas() !== null;
  if (name === "webgpu") return probeAdapter().ok;
  return true;
}

export function decideBackend(outDir: string): BackendDecision {
  const recorded = recordedBackend(outDir);
  if (!recorded) return { pin: null, line: null, settings: {} };
  const where = relative(process.cwd(), outDir) || outDir;
  const forced = forcedBackend();
  const settings = recordedSettings(recorded.name === (forced ?? recorded.name) ? recorded.kernels : undefined);
  if (forced) return { pin: null, settings, line: forced === recorded.name ? null : `${where} was computed on ${recorded.name}; LOTTERY_BACKEND=${forced} recomputes it on ${forced}, so data.json may differ in the last digits.` };
  if (!available(recorded.name)) {
    const fix = { tensorflow: "run `npm run native`", "wasm-blas": "install OpenBLAS (apt-get install libopenblas0-pthread)", webgpu: "run it on a machine with the adapter its provenance names" }[recorded.name as string];
    return { pin: null, settings: {}, line: `${where} was computed on ${recorded.name}, which cannot run here (${fix} to reproduce it bit for bit); recomputing on the default backend, so data.json may differ in the last digits.` };
  }
  const here = recorded.name === "wasm-blas" ? loadBlas()?.description : undefined;
  const kernels = here && recorded.blas && here !== recorded.blas ? ` (its ${recorded.blas}; here ${here}: OpenBLAS picks kernels by CPU, so the last digits may differ)` : "";
  const probe = recorded.name === "webgpu" ? probeAdapter() : null;
  const gpu = probe?.ok ? describeAdapter(probe.adapter) : undefined;
  const adapter = gpu && recorded.adapter && gpu !== recorded.adapter ? ` (its adapter ${recorded.adapter}; here ${gpu}: the last digits may differ)` : "";
  const batchNorm = settings[BATCH_NORM_SETTING] ? `, with ${settings[BATCH_NORM_SETTING] === "project" ? "the project's" : "TensorFlow's"} batch norm` : "";
  return { pin: recorded.name, settings, line: `reproducing ${where} on ${recorded.name}, the backend that computed it${kernels}${adapter}${batchNorm}; set LOTTERY_BACKEND to choose another.` };
}

/**
 * tfjs-node's batch norm as the recorded kernels name it (tensorflow-settings.ts: the project's where the tag
 * says so, else TensorFlow's, which computed every folder recorded before the project's existed), unless
 * LOTTERY_TF_BATCH_NORM already chooses.
 */
function recordedSettings(kernels: string | undefined): Record<string, string> {
  if (kernels === undefined || process.env[BATCH_NORM_SETTING]) return {};
  return { [BATCH_NORM_SETTING]: kernels.endsWith(BATCH_NORM_TAG) ? "project" : "tensorflow" };
}
