import { describe, expect, it } from "vitest";
import { chmodSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
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

  it("says in one line that a results folder that is a file is not a folder, before computing anything", () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-file-"));
    const file = join(dir, "results");
    writeFileSync(file, "not a folder\n");
    const r = figure(["lmc/dense-instability", "--preset", "quick"], { LOTTERY_RESULTS: file });
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n")).toHaveLength(1);
    expect(r.stderr).toBe(`error: ${file} is a file, not a folder; move it away or set LOTTERY_RESULTS to a folder.`);
  });

  it("says the same, before computing anything, of a file where the results folder needs a folder", () => {
    for (const sub of ["figures", "runs", "masks", "cache"]) {
      const results = mkdtempSync(join(tmpdir(), "cli-sub-"));
      writeFileSync(join(results, sub), "");
      const r = figure(["lmc/dense-instability", "--preset", "quick"], { LOTTERY_RESULTS: results });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.split("\n")).toHaveLength(1);
      expect(r.stderr).toBe(`error: ${join(results, sub)} is a file, not a folder; move it away or set LOTTERY_RESULTS to a folder.`);
      expect(readdirSync(results)).toEqual([sub]);
    }
  });
});
