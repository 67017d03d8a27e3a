import { defineConfig } from "vitest/config";

/**
 * The webgpu backend (`npm run test:webgpu`, after `npm run webgpu` installs lavapipe, a CPU Vulkan driver; CI
 * runs it after the default suite): kernels and gradients against the cpu backend, training, a path and a quick
 * figure on webgpu. Lavapipe computes about 1 GFLOP/s, so every test is small; skipped, saying so, without a driver.
 */
export default defineConfig({
  test: {
    include: ["test/webgpu/**/*.test.ts"],
    env: { LOTTERY_BACKEND: "webgpu" },
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: "forks",
    maxWorkers: 1,
    fileParallelism: false,
    setupFiles: ["./test/support/setup.ts"],
    reporters: ["default", "./test/support/summary-reporter.ts"],
  },
});
