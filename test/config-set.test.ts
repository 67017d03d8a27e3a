import { describe, expect, it } from "vitest";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { applySets, parseSet, setSuffix } from "../lib/figures/config-set";
import { figure } from "./support/cli";
import { freshResults } from "./support/env";

describe("--set: one field of a preset changed from the command line", () => {
  it("reads values as JSON, else as text, and changes only the named fields of a copy", () => {
    expect(parseSet("train.lr=0.05")).toEqual({ path: ["train", "lr"], value: 0.05 });
    expect(parseSet("ks=[0,50]")).toEqual({ path: ["ks"], value: [0, 50] });
    expect(parseSet("data.dataset=fashion-mnist")).toEqual({ path: ["data", "dataset"], value: "fashion-mnist" });
    const base = { train: { lr: 0.1, steps: 10 }, ks: [0] };
    const changed = applySets(base, [parseSet("train.lr=0.05"), parseSet("ks=[0,50]")]);
    expect(changed).toEqual({ train: { lr: 0.05, steps: 10 }, ks: [0, 50] });
    expect(base).toEqual({ train: { lr: 0.1, steps: 10 }, ks: [0] });
    expect(setSuffix([parseSet("train.lr=0.05")])).toMatch(/^set-[0-9a-f]{8}$/);
    expect(setSuffix([parseSet("train.lr=0.05")])).not.toBe(setSuffix([parseSet("train.lr=0.5")]));
  });

  it("rejects a field the config does not have, or a malformed argument, in one line", () => {
    expect(() => applySets({ train: { lr: 0.1 } }, [parseSet("train.lrr=1")])).toThrow('--set train.lrr: train has no field "lrr"; its fields: lr.');
    expect(() => parseSet("train.lr")).toThrow("--set train.lr: expected <path>=<value>, e.g. --set train.lr=0.05.");
    const r = figure(["lmc/dense-instability", "--set", "trian.lr=1"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe('error: --set trian.lr: the config has no field "trian"; its fields: model, data, train, ks, initSeeds, pairs, alphas, trainEvalSubset.');
  });

  it("runs the changed config into a folder of its own, beside the preset's", () => {
    const results = freshResults();
    const sets = ["data.trainSubset=600", "train.steps=40", "ks=[0]", "alphas=3", "trainEvalSubset=200"].flatMap((s) => ["--set", s]);
    const r = figure(["lmc/dense-instability", ...sets], { LOTTERY_RESULTS: results });
    expect(r.code, r.stderr).toBe(0);
    const folders = readdirSync(join(results, "figures", "lmc", "dense-instability"));
    expect(folders).toHaveLength(1);
    expect(folders[0]).toMatch(/^quick-set-[0-9a-f]{8}$/);
    const data = JSON.parse(readFileSync(join(results, "figures", "lmc", "dense-instability", folders[0], "data.json"), "utf8"));
    expect(data.config.train.steps).toBe(40);
    expect(data.config.ks).toEqual([0]);
    expect(existsSync(join(results, "figures", "lmc", "dense-instability", "quick"))).toBe(false);
  }, 300_000);
});
