import { defineConfig } from "vitest/config";

/** The Slurm executor's test on a real one-node cluster (`npm run test:slurm`; CI runs it after the suite). */
export default defineConfig({
  test: {
    include: ["test/slurm/**/*.test.ts"],
    testTimeout: 900_000,
    hookTimeout: 900_000,
    pool: "forks",
    maxWorkers: 1,
    fileParallelism: false,
  },
});
