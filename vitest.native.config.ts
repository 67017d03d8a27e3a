import { defineConfig } from "vitest/config";

/**
 * The backend-sensitive tests on tfjs-node (`npm run test:native`, after `npm run native`): its own tests,
 * and the training, model and batch-norm tests forced onto tensorflow. CI runs it after the default suite.
 */
export default defineConfig({
  test: {
    include: ["test/native/**/*.test.ts", "test/training.test.ts", "test/models.test.ts", "test/batch-norm.test.ts"],
    env: { LOTTERY_BACKEND: "tensorflow" },
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: "forks",
    maxWorkers: 1,
    fileParallelism: false,
    setupFiles: ["./test/support/setup.ts"],
  },
});
