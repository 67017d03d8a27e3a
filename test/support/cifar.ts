import { existsSync } from "node:fs";
import { cifar10JpegSource } from "../../lib/data/cifar10";

/**
 * Why a figure preset cannot run here, or null: CIFAR-10 is not downloadable on every machine, and the
 * JPEG re-encoding stands in for it only where it has been placed (.ci/run links it when it exists).
 */
export function missingCifar(preset: unknown): string | null {
  if (!JSON.stringify(preset).includes('"dataset":"cifar10-jpeg"')) return null;
  return existsSync(cifar10JpegSource()) ? null : `needs CIFAR-10 (JPEG re-encoded) at ${cifar10JpegSource()}`;
}
