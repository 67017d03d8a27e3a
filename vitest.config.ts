import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Slower suites CI runs after this one: `npm run test:notebooks` (every notebook through nbconvert),
    // `npm run test:slurm` (a Slurm cluster), `npm run test:native` (tfjs-node), `npm run test:webgpu` (webgpu).
    exclude: ["test/slurm/**", "test/native/**", "test/notebooks/**", "test/webgpu/**", "**/node_modules/**"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Each test file is a process with its own tfjs backend; two match this machine's two cores.
    pool: "forks",
    maxWorkers: 2,
    setupFiles: ["./test/support/setup.ts"],
    reporters: ["default", "./test/support/summary-reporter.ts"],
  },
});
