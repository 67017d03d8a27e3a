import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { guardOutput, writtenAt } from "../lib/figures/output-guard";

const root = resolve(__dirname, "..");
const committed = join(root, "results", "figures", "lmc", "sparse-k0", "cpu");
const OTHER = "0".repeat(40);

describe("committed results are not overwritten silently", () => {
  it("refuses to write into a tracked results folder written at another commit", () => {
    expect(writtenAt(committed)).toMatch(/^[0-9a-f]{40}$/);
    expect(() => guardOutput(committed, OTHER, false)).toThrow(/holds committed results written at commit [0-9a-f]{7}, not at the current 0000000; refusing to overwrite them\. Pass --overwrite/);
  });

  it("allows it with overwrite, or at the commit that wrote it", () => {
    expect(() => guardOutput(committed, OTHER, true)).not.toThrow();
    expect(() => guardOutput(committed, writtenAt(committed), false)).not.toThrow();
  });

  it("leaves untracked folders alone", () => {
    const dir = mkdtempSync(join(tmpdir(), "guard-"));
    writeFileSync(join(dir, "provenance.json"), JSON.stringify({ gitCommit: "f".repeat(40) }));
    expect(() => guardOutput(dir, OTHER, false)).not.toThrow();
    expect(() => guardOutput(mkdtempSync(join(tmpdir(), "guard-")), OTHER, false)).not.toThrow();
  });
});
