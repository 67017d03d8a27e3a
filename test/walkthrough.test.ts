import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { figureConfig, walkthrough } from "../lib/notebook";
import { runFigure } from "../lib/figures/run-figure";
import { DenseInstabilityConfig } from "../lib/figures/dense-instability";
import { freshResults } from "./support/env";

/** The notebook's walkthrough: the figure's own steps, cell by cell, with an edited config. */
const small = (c: DenseInstabilityConfig): DenseInstabilityConfig => ({ ...c, data: { dataset: "mnist", trainSubset: 600 }, train: { ...c.train, steps: 40 }, ks: [0], alphas: 3, trainEvalSubset: 200 });

const trainedRuns = (root: string) =>
  new Map(readdirSync(join(root, "runs")).filter((d) => statSync(join(root, "runs", d, "run.json"), { throwIfNoEntry: false })).map((d) => [d, statSync(join(root, "runs", d, "run.json")).mtimeMs]));

describe("a figure's walkthrough", () => {
  it("computes what the CLI computes, and an edited config retrains only what is new", async () => {
    const root = freshResults();
    const config = small(figureConfig<DenseInstabilityConfig>("lmc/dense-instability", "quick"));
    const walk = walkthrough("lmc/dense-instability", "quick", config);
    expect(walk.steps).toEqual(["parents", "copies", "paths", "summarise"]);
    expect(() => walk.report()).toThrow("run the steps first: parents, copies, paths, summarise");
    for (const s of walk.steps) await walk.step(s);
    const run = walk.report();
    const cli = await runFigure("lmc/dense-instability", "quick", { overrides: config as unknown as Record<string, unknown>, outDir: join(root, "cli") });
    expect(JSON.stringify(run.data)).toBe(JSON.stringify(cli.data));

    const before = trainedRuns(root);
    config.ks = [0, 20]; // the notebook's config cell, edited; then its cells below run again
    const again = walkthrough("lmc/dense-instability", "quick", config);
    for (const s of again.steps) await again.step(s);
    const after = trainedRuns(root);
    for (const [run, mtime] of before) expect(after.get(run), `run ${run} was retrained`).toBe(mtime);
    expect(after.size).toBe(before.size + 2); // the two copies made at k = 20
    const summary = (again.report().data as { summary: { k: number }[] }).summary;
    expect(summary.map((s) => s.k)).toEqual([0, 20]);
    expect(JSON.parse(readFileSync(join(run.outDir, "data.json"), "utf8")).config.ks).toEqual([0, 20]);
  });
});
