import { beforeAll, describe, expect, it } from "vitest";
import { loadWeights } from "../lib/store/runs";
import { ensureRun } from "../lib/materialise/run";
import { ensureMask, maskOf } from "../lib/materialise/run";
import { impLevel, randomPruned, randomReinit } from "../lib/prune/imp";
import { applyMask, countKept, countTotal, density } from "../lib/prune/mask";
import { pruneCount } from "../lib/prune/magnitude";
import { tinyRun } from "./support/tiny";
import { freshResults } from "./support/env";

const spec = { dense: tinyRun({ initSeed: 11 }), rewindStep: 20, fraction: 0.5, scope: "global" as const };

describe("IMP with rewinding (trained)", () => {
  beforeAll(() => {
    freshResults();
  });

  it("prunes exactly ceil(fraction x remaining) per level and rewinds survivors to W_k", async () => {
    const l2 = impLevel(spec, 2);
    await ensureRun(l2, { checkpoints: [20] });
    const m1 = await ensureMask(impLevel(spec, 1).mask!);
    const m2 = await ensureMask(l2.mask!);
    const total = countTotal(m1);
    expect(countKept(m1)).toBe(total - pruneCount(0.5, total));
    expect(countKept(m2)).toBe(countKept(m1) - pruneCount(0.5, countKept(m1)));
    expect(Object.keys(m2)).toEqual(["fc1.weight", "fc2.weight"]); // LeNet's output layer stays dense
    // The level's state at k is the dense run's W_k times the mask, exactly.
    const expected = applyMask(loadWeights(spec.dense, 20), m2);
    const start = loadWeights(l2, 20);
    for (const name of Object.keys(start)) expect(start[name].data).toEqual(expected[name].data);
  });

  it("keeps pruned weights at exactly zero through retraining, and moves the others", async () => {
    const l2 = impLevel(spec, 2);
    const m2 = await ensureMask(l2.mask!);
    const final = loadWeights(l2, 60);
    const start = loadWeights(l2, 20);
    for (const name of Object.keys(m2)) {
      const m = m2[name].data;
      let movedKept = 0;
      final[name].data.forEach((v, i) => {
        if (m[i] === 0) expect(Math.abs(v)).toBe(0);
        else if (v !== start[name].data[i]) movedKept++;
      });
      expect(movedKept).toBeGreaterThan(0.9 * countKept({ [name]: m2[name] }));
    }
    expect(final["fc.weight"].data.some((v) => v === 0)).toBe(false);
  });

  it("reuses every finished level when the experiment is extended", async () => {
    const trained: number[] = [];
    await ensureRun(impLevel(spec, 3), { onSaved: (s) => trained.push(s) });
    expect(trained).toEqual([60]); // only level 3 trained; levels 0-2 came from the cache
    expect(density(await maskOf(impLevel(spec, 3)))).toBeCloseTo(0.125, 3);
  });

  it("resumes a level interrupted mid-training to the same weights", async () => {
    const level = impLevel({ ...spec, rewindStep: 0 }, 1);
    await ensureRun(level);
    const expected = loadWeights(level, 60);
    freshResults();
    const abort = new AbortController();
    await expect(
      ensureRun(level, { resumeEvery: 10, signal: abort.signal, onSaved: (s) => s === 30 && level.mask && abort.abort() }),
    ).rejects.toThrow(/interrupted/);
    await ensureRun(level, { resumeEvery: 10 });
    const got = loadWeights(level, 60);
    for (const name of Object.keys(got)) expect(got[name].data).toEqual(expected[name].data);
  });

  it("trains the baselines under their masks", async () => {
    const rp = randomPruned(spec, 1, 5);
    const ri = randomReinit(spec, 1, 99);
    const [mImp, mRand] = [await ensureMask(impLevel(spec, 1).mask!), await ensureMask(rp.mask!)];
    for (const name of Object.keys(mImp)) expect(countKept({ x: mRand[name] })).toBe(countKept({ x: mImp[name] }));
    await ensureRun(rp);
    await ensureRun(ri, { checkpoints: [0] });
    const w = loadWeights(ri, 60)["fc1.weight"].data;
    mImp["fc1.weight"].data.forEach((m, i) => m === 0 && expect(Math.abs(w[i])).toBe(0));
    expect(loadWeights(ri, 0)["fc1.weight"].data).not.toEqual(applyMask(loadWeights(spec.dense, 0), mImp)["fc1.weight"].data);
  });
});
