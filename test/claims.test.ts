import { describe, expect, it } from "vitest";
import { cpSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { FIGURES, getFigure } from "../lib/figures/registry";
import { renderFigure } from "../lib/figures/run-figure";
import { meanPm, pmOf } from "../lib/util/stats";

const root = resolve(__dirname, "..");
const committed = (id: string, preset = "cpu") => join(root, "results", "figures", id, preset);
const load = (id: string, preset = "cpu") => JSON.parse(readFileSync(join(committed(id, preset), "data.json"), "utf8"));

/** Re-renders a committed result from a copy, so the committed folder is never touched. */
function rerender(id: string, preset = "cpu") {
  const outDir = mkdtempSync(join(tmpdir(), "render-"));
  cpSync(committed(id, preset), outDir, { recursive: true });
  return { run: renderFigure(id, preset, { outDir }), outDir };
}

const VERDICTS = ["agrees", "DIFFERS", "is borderline", "does not test this"];

describe("every figure checks each claim of its paper", () => {
  it.each(FIGURES.map((f) => f.id))("%s: its committed cpu data renders one check per declared claim, stated in the findings and the report", (id) => {
    const figure = getFigure(id);
    expect(figure.claims.length).toBeGreaterThan(0);
    expect(new Set(figure.claims.map((c) => c.id)).size).toBe(figure.claims.length);
    expect(existsSync(join(committed(id), "data.json"))).toBe(true);
    const { run, outDir } = rerender(id);
    expect(run.checks.map((c) => c.claim)).toEqual(figure.claims.map((c) => c.id));
    const report = readFileSync(join(outDir, "report.html"), "utf8");
    for (const claim of figure.claims) {
      const check = run.checks.find((c) => c.claim === claim.id)!;
      expect(["agrees", "differs", "borderline", "not tested"]).toContain(check.verdict);
      expect(check.evidence.length).toBeGreaterThan(10);
      const sentence = run.findings.find((f) => f.includes(claim.text));
      expect(sentence, `no finding states the claim "${claim.id}"`).toBeDefined();
      expect(VERDICTS.some((v) => sentence!.includes(`This run ${v}`))).toBe(true);
      expect(report).toContain(claim.text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"));
    }
    // Render-only keeps the data and records both commits.
    expect(readFileSync(join(outDir, "data.json"), "utf8")).toBe(readFileSync(join(committed(id), "data.json"), "utf8"));
    const before = JSON.parse(readFileSync(join(committed(id), "provenance.json"), "utf8"));
    const after = JSON.parse(readFileSync(join(outDir, "provenance.json"), "utf8"));
    expect(after.gitCommit).toBe(before.gitCommit);
    expect(after.startedAt).toBe(before.startedAt);
    expect(after.report.gitCommit).toMatch(/^[0-9a-f]{40}$/);
  });

  it("lmc/sparse-k0 says where the committed numbers differ from the paper: random baselines are stable", () => {
    const { run } = rerender("lmc/sparse-k0");
    const verdict = (claim: string) => run.checks.find((c) => c.claim === claim)!.verdict;
    expect(verdict("random-pruning-unstable")).toBe("differs");
    expect(verdict("random-reinit-unstable")).toBe("differs");
    expect(verdict("imp-stable")).toBe("agrees");
    expect(run.findings.some((f) => f.includes("Random pruning is not stable. This run DIFFERS"))).toBe(true);
  });

  it("the verdict follows the data: random pruning with large barriers agrees with the paper", () => {
    const figure = getFigure("lmc/sparse-k0");
    const { config, ...data } = load("lmc/sparse-k0");
    for (const row of data.rows) {
      if (row.kind !== "random-pruning") continue;
      for (const m of row.perInit) for (const p of m.paths) p.test.meanBarrier = 0.1;
    }
    const r = figure.render(config, data);
    expect(r.checks.find((c) => c.claim === "random-pruning-unstable")!.verdict).toBe("agrees");
    expect(r.checks.find((c) => c.claim === "random-reinit-unstable")!.verdict).toBe("differs");
  });

  it("a verdict near its threshold is borderline and shows its margin", () => {
    const figure = getFigure("lmc/sparse-k0");
    const { config, ...data } = load("lmc/sparse-k0");
    for (const row of data.rows) if (row.kind === "imp") for (const m of row.perInit) for (const p of m.paths) p.test.meanBarrier = 0.019;
    const check = figure.render(config, data).checks.find((c) => c.claim === "imp-stable")!;
    expect(check.verdict).toBe("borderline");
    expect(check.evidence).toMatch(/0\.10 pp below the 2 pp stability threshold \(borderline/);
  });
});

describe("one replicate is shown with n and no spread", () => {
  it("formats a mean and its spread, or n = 1", () => {
    expect(meanPm({ mean: 0.1234, std: 0 }, 1)).toBe("12.34 (n = 1)");
    expect(meanPm({ mean: 0.1234, std: 0.005 }, 3)).toBe("12.34 ± 0.50");
    expect(pmOf([0.5])).toBe("50.00 (n = 1)");
    expect(pmOf([1, 3], 1, 1)).toBe("2.0 ± 1.4");
  });

  it("the committed single-pair quick result of lmc/dense-instability prints no ± 0.00", () => {
    const { run } = rerender("lmc/dense-instability", "quick");
    const text = [...run.findings, ...run.tables.flatMap((t) => t.rows.flat().map(String))].join("\n");
    expect(text).not.toMatch(/± 0\.00/);
    expect(text).toMatch(/over 1 pair:/);
    expect(text).toMatch(/\(n = 1\)/);
    expect(run.plots.every((p) => p.caption && /n = 1/.test(p.caption))).toBe(true);
  });
});
