import { describe, expect, it } from "vitest";
import { canonicalJson, configHash } from "../lib/util/hash";
import { runHash, RunConfig } from "../lib/store/run-config";
import { lenetPaperTraining } from "../lib/train/recipes";

const parent: RunConfig = { model: "lenet-300-100", data: { dataset: "mnist" }, train: lenetPaperTraining(24000), initSeed: 1, dataSeed: 0 };

describe("config hashes", () => {
  it("ignore key order and null or absent optional fields", () => {
    expect(canonicalJson({ b: 1, a: { d: null, c: [2, { f: 1, e: undefined }] } })).toBe('{"a":{"c":[2,{"f":1}]},"b":1}');
    expect(configHash({ a: 1, b: 2 })).toBe(configHash({ b: 2, a: 1 }));
    expect(runHash({ ...parent, from: null })).toBe(runHash(parent));
  });

  it("are pinned for known runs, so a refactor cannot orphan saved results", () => {
    // Pinned for wasm, whose names are the config's alone (other backends add their name: test/backends.test.ts).
    const saved = process.env.LOTTERY_BACKEND;
    process.env.LOTTERY_BACKEND = "wasm";
    try {
      expect(runHash(parent)).toBe("f35ec31279e19db9");
      expect(runHash({ ...parent, dataSeed: 1, from: { run: parent, step: 100 } })).toBe("7ea3c3817c3e799d");
    } finally {
      if (saved === undefined) delete process.env.LOTTERY_BACKEND;
      else process.env.LOTTERY_BACKEND = saved;
    }
  });

  it("change with any hyper-parameter", () => {
    expect(runHash({ ...parent, train: { ...parent.train, lr: 1e-3 } })).not.toBe(runHash(parent));
    expect(runHash({ ...parent, data: { dataset: "mnist", trainSubset: 100 } })).not.toBe(runHash(parent));
  });
});
