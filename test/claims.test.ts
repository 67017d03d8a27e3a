import { beforeAll, describe, expect, it } from "vitest";
import { cpSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { FIGURES, getFigure } from "../lib/figures/registry";
import { missingCifar } from "./support/cifar";
import { FigureRun, renderFigure, runFigure } from "../lib/figures/run-figure";
import { freshResults } from "./support/env";
import { meanPm, pmOf } from "../lib/util/stats";
import { bundledTraceTypes, traceTypesOf } from "../lib/report/plotly";

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
  beforeAll(() => {
    freshResults();
  });

  // On its committed cpu data where there is some (re-rendered from a copy), else on a fresh quick run.
  // A figure without committed data whose quick preset needs the JPEG CIFAR-10 is skipped (reported) where it is absent.
  const runnable = (id: string) => existsSync(join(committed(id), "data.json")) || !missingCifar(getFigure(id).presets.quick);
  it.skip.each(FIGURES.map((f) => f.id).filter((id) => !runnable(id)))("%s: skipped, CIFAR-10 (JPEG re-encoded) is not in data/", () => {});
  it.each(FIGURES.map((f) => f.id).filter(runnable))("%s: one check per declared claim, stated in the findings and the report", async (id) => {
    const figure = getFigure(id);
    expect(figure.claims.length).toBeGreaterThan(0);
    expect(new Set(figure.claims.map((c) => c.id)).size).toBe(figure.claims.length);
    const hasCpu = existsSync(join(committed(id), "data.json"));
    let run: FigureRun;
    let outDir: string;
    if (hasCpu) ({ run, outDir } = rerender(id));
    else {
      outDir = mkdtempSync(join(tmpdir(), "quick-"));
      run = await runFigure(id, "quick", { outDir });
    }
    expect(run.checks.map((c) => c.claim)).toEqual(figure.claims.map((c) => c.id));
    // Every trace type its plots use is one the inlined Plotly bundle draws.
    for (const plot of run.plots) for (const type of traceTypesOf(plot)) expect(bundledTraceTypes(), `${plot.id}: trace type ${type}`).toContain(type);
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
    if (!hasCpu) return;
    // Render-only keeps the data and records both commits.
    expect(readFileSync(join(outDir, "data.json"), "utf8")).toBe(readFileSync(join(committed(id), "data.json"), "utf8"));
    const before = JSON.parse(readFileSync(join(committed(id), "provenance.json"), "utf8"));
    const after = JSON.parse(readFileSync(join(outDir, "provenance.json"), "utf8"));
    expect(after.gitCommit).toBe(before.gitCommit);
    expect(after.startedAt).toBe(before.startedAt);
    expect(after.report.gitCommit).toMatch(/^[0-9a-f]{40}$/);
  }, 600_000);

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

  it("a single pair in lmc/dense-instability prints no ± 0.00", () => {
    // The committed cpu data cut down to one initialisation and one pair per k.
    const figure = getFigure("lmc/dense-instability");
    const { config, ...data } = load("lmc/dense-instability");
    const one = data.replicates.filter((r: { initSeed: number; pair: number }) => r.initSeed === config.initSeeds[0] && r.pair === 0);
    const ms = (x: number) => ({ mean: x, std: 0 });
    const summary = data.summary.map((s: { k: number; stable: boolean }) => {
      const p = one.find((r: { k: number }) => r.k === s.k).path;
      const e = p.test.errors;
      return { ...s, n: 1, testInstability: ms(p.test.meanBarrier), trainInstability: ms(p.train.meanBarrier), testLinearBarrier: ms(p.test.linearBarrier), endpointTestError: { mean: (e[0] + e[e.length - 1]) / 2, std: Math.abs(e[0] - e[e.length - 1]) / Math.SQRT2 } };
    });
    const r = figure.render({ ...config, initSeeds: [config.initSeeds[0]], pairs: 1 }, { replicates: one, summary, denseTestError: ms(data.denseTestError.mean) });
    const text = [...r.findings, ...r.checks.map((c) => c.evidence), ...r.tables.flatMap((t) => t.rows.flat().map(String))].join("\n");
    expect(text).not.toMatch(/± 0\.00/);
    expect(text).toMatch(/over 1 pair:/);
    expect(text).toMatch(/over 1 initialisation\./);
    expect(text).toMatch(/\(n = 1\)/);
    expect(r.plots.every((p) => p.caption && /n = 1/.test(p.caption))).toBe(true);
  });
});
