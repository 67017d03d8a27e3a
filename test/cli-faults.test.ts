import { describe, expect, it } from "vitest";
import { chmodSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { figure } from "./support/cli";

describe("the figure CLI, given a typo or an unusable folder", () => {
  it("rejects a long option written with one dash instead of parsing it as short flags", () => {
    const r = figure(["lmc/dense-instability", "-preset", "quick"]);
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/unknown option "-preset"; long options take two dashes: --preset/);
  });

  it("says that the results folder is not writable before computing anything", () => {
    let results: string;
    if (process.getuid?.() === 0) results = "/proc/lottery-lab-results"; // root ignores file modes
    else {
      results = mkdtempSync(join(tmpdir(), "cli-ro-"));
      chmodSync(results, 0o555);
    }
    const r = figure(["lmc/dense-instability", "--preset", "quick"], { LOTTERY_RESULTS: results });
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/is not writable .*set LOTTERY_RESULTS to a writable folder/);
    if (process.getuid?.() !== 0) expect(readdirSync(results)).toEqual([]);
  });
});
