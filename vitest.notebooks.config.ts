import { defineConfig } from "vitest/config";

/**
 * Every notebook executed headless through nbconvert at the quick preset, its HTML export rendered in
 * Chromium (`npm run test:notebooks`, about 15 minutes; CI runs it after the default suite, which runs one
 * notebook live in JupyterLab instead).
 */
export default defineConfig({
  test: {
    include: ["test/notebooks/**/*.test.ts"],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: "forks",
    maxWorkers: 1,
    setupFiles: ["./test/support/setup.ts"],
  },
});
