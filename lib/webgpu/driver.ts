import { existsSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../store/paths";

/** Where `npm run webgpu` (scripts/setup-webgpu.sh) installs Mesa's lavapipe, a CPU Vulkan driver. */
export const WEBGPU_DIR = join(REPO_ROOT, ".webgpu");
export const LAVAPIPE_ICD = join(WEBGPU_DIR, "lvp_icd.json");

/** The entry file of `webgpu` (Dawn's Node bindings, an optional dependency), or null where it is not installed. */
export function dawnEntry(): string | null {
  try {
    return require.resolve("webgpu");
  } catch {
    return null;
  }
}

export const MISSING_PACKAGES = "the npm packages webgpu and @tensorflow/tfjs-backend-webgpu (optional dependencies) are not installed: run `npm ci`";

/**
 * Points the Vulkan loader at the lavapipe of `npm run webgpu` when the user named no driver: VK_DRIVER_FILES
 * (or the older VK_ICD_FILENAMES), when set, wins, so a GPU's own driver can always be chosen. The loader reads
 * the variable when Dawn starts it, and child processes inherit it. Returns the driver file in use, if named.
 */
export function selectVulkanDriver(): string | null {
  const named = process.env.VK_DRIVER_FILES || process.env.VK_ICD_FILENAMES;
  if (named) return named;
  if (!existsSync(LAVAPIPE_ICD)) return null;
  process.env.VK_DRIVER_FILES = LAVAPIPE_ICD;
  // Mesa prints an error on every start without XDG_RUNTIME_DIR; the setup made a private folder for it.
  const runtime = join(WEBGPU_DIR, "runtime");
  if (!process.env.XDG_RUNTIME_DIR && existsSync(runtime)) process.env.XDG_RUNTIME_DIR = runtime;
  return LAVAPIPE_ICD;
}
