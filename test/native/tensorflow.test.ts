import { afterEach, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadWeights, runDir } from "../../lib/store/runs";
import { ensureRun } from "../../lib/materialise/run";
import { nativePackage } from "../../lib/backend-choice";
import { initBackend } from "../../lib/backend";
import { tinyRun } from "../support/tiny";
import { freshResults } from "../support/env";

/**
 * The tfjs-node backend, set up by `npm run native` (`npm run test:native`, which CI runs after the suite
 * together with the training and model tests forced onto tensorflow). Fails, not skips, without it.
 */
if (!nativePackage()) throw new Error("tfjs-node is not installed: run `npm run native` first.");

const conv = () => tinyRun({ model: "conv-2", data: { dataset: "mnist", trainSubset: 240 } }, { steps: 8, batchSize: 30, warmupSteps: 0, lrDropSteps: [] });
const saved = process.env.LOTTERY_BACKEND;
afterEach(() => {
  if (saved === undefined) delete process.env.LOTTERY_BACKEND;
  else process.env.LOTTERY_BACKEND = saved;
});

describe("tfjs-node", () => {
  it("trains a conv net bit-identically twice, in a cache entry of its own", async () => {
    delete process.env.LOTTERY_BACKEND;
    freshResults();
    const config = conv();
    expect((await initBackend(config.model)).name).toBe("tensorflow");
    const summary = await ensureRun(config);
    expect(summary.backend).toBe("tensorflow");
    const first = loadWeights(config, 8);
    freshResults();
    await ensureRun(config);
    const second = loadWeights(config, 8);
    for (const name of Object.keys(first)) expect(second[name].data).toEqual(first[name].data);
    // The same config forced to wasm is another run: the cache never mixes the two backends' bits.
    const onTensorflow = runDir(config);
    process.env.LOTTERY_BACKEND = "wasm";
    expect(runDir(config)).not.toBe(onTensorflow);
  }, 240_000);
});

describe("a quick figure on tfjs-node", () => {
  it("runs end to end and names its backend in provenance", () => {
    const root = resolve(__dirname, "..", "..");
    const results = mkdtempSync(join(tmpdir(), "native-"));
    const r = spawnSync(process.execPath, [join(root, "node_modules/tsx/dist/cli.mjs"), join(root, "bin/figure.ts"), "lmc/dense-instability", "--preset", "quick"], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, LOTTERY_RESULTS: results, LOTTERY_BACKEND: "tensorflow" },
    });
    expect(r.status, r.stderr).toBe(0);
    const prov = JSON.parse(readFileSync(join(results, "figures/lmc/dense-instability/quick/provenance.json"), "utf8"));
    expect(prov.backend.name).toBe("tensorflow");
    expect(r.stdout).toMatch(/on tensorflow/);
  }, 600_000);
});
