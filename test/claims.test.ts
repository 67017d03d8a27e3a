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
import { IffCell, STABILITY, iffCheck, thresholdCheck } from "../lib/figures/claims";
import { stabilitySide } from "../lib/lmc/stability";
import { categoryPoints } from "../lib/figures/plot-helpers";

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

describe("a claim says no more than its data", () => {
  const render = (id: string) => {
    const { config, ...data } = load(id);
    return getFigure(id).render(config, data);
  };
  const verdictOf = (r: { checks: { claim: string; verdict: string; evidence: string }[] }, claim: string) => r.checks.find((c) => c.claim === claim)!;
  const cell = (a: boolean, b: boolean, borderline = false): IffCell => ({ name: `${a}/${b}`, a, aBorderline: borderline, b, bBorderline: false, detail: "d" });
  const names = { cell: "cell", cells: "cells", a: "matching", b: "stable", both: "both matching and stable", neither: "neither" };

  it("an \"A exactly when B\" claim is tested only where the two properties vary across its cells", () => {
    const allBoth = iffCheck("c", [cell(true, true), cell(true, true), cell(true, true)], names);
    expect(allBoth.verdict).toBe("not tested");
    expect(allBoth.evidence).toMatch(/0 non-trivial/);
    expect(allBoth.evidence).toMatch(/Every cell is both matching and stable/);
    expect(iffCheck("c", [cell(false, false), cell(false, false)], names).verdict).toBe("not tested");
    const varied = iffCheck("c", [cell(true, true), cell(false, false)], names);
    expect(varied.verdict).toBe("agrees");
    expect(varied.evidence).toMatch(/1 non-trivial/);
    expect(iffCheck("c", [cell(true, true), cell(true, false)], names).verdict).toBe("differs");
    expect(iffCheck("c", [cell(true, true), cell(false, true)], names).verdict).toBe("differs");
    // An exception within the noise, or agreement that only borderline cells exercise, is borderline.
    expect(iffCheck("c", [cell(true, true), cell(true, false, true)], names).verdict).toBe("borderline");
    expect(iffCheck("c", [cell(true, true), cell(false, false, true)], names).verdict).toBe("borderline");
    expect(iffCheck("c", [], names).verdict).toBe("not tested");
  });

  it.each([
    ["lmc/rewind-k", "together"],
    ["unstable/rewind-k", "together"],
    ["lmc/sparsity-sweep", "matching-are-stable"],
    ["unstable/sparsity-sweep", "matching-are-stable"],
    ["lmc/sparse-k0", "matching-iff-stable"],
    ["unmasking/successive-levels", "connected-iff-matching"],
  ])("%s: \"%s\" over cells that are all both is not tested, and counts its non-trivial cells", (id, claim) => {
    const c = verdictOf(render(id), claim);
    expect(c.verdict).toBe("not tested");
    expect(c.evidence).toMatch(/ 0 non-trivial /);
  });

  it("unstable/successive-levels: the one exception (3.81 ± 2.04 pp) is borderline in every claim, finding and table", () => {
    const r = render("unstable/successive-levels");
    const iff = verdictOf(r, "connected-iff-matching");
    expect(iff.verdict).toBe("borderline");
    expect(iff.evidence).toMatch(/1 non-trivial/);
    for (const c of r.checks.filter((x) => x.evidence.includes("3.81 ± 2.04"))) expect(c.verdict).toBe("borderline");
    for (const f of r.findings.filter((x) => x.includes("3.81 ± 2.04") && !x.startsWith("Paper:"))) expect(f).toMatch(/borderline/);
    const row = r.tables[0].rows.find((x) => x[3] === "3.81 ± 2.04")!;
    expect(row[7]).toBe("no (borderline)");
  });

  // Every classification of a barrier or instability in these tables follows thresholdSide with STABILITY.
  const parsePm = (s: string) => {
    const m = /^(-?[\d.]+) ± ([\d.]+)$/.exec(s)!;
    return { mean: Number(m[1]) / 100, std: Number(m[2]) / 100 };
  };
  it.each([
    ["unstable/perturbation", "perturbations", 7, 8],
    ["unmasking/perturbation", "perturbations", 7, 8],
    ["unstable-bn/perturbation", "perturbations", 7, 8],
    ["unstable-bn/plain-vs-bn", "rescaled", 6, 7],
    ["unstable-bn/plain-vs-bn", "rewind-points", 13, 14],
    ["unstable/successive-levels", "levels", 3, 7],
    ["unmasking/successive-levels", "levels", 3, 7],
    ["unstable/dense-instability", "summary", 2, 6],
    ["unstable/dense-instability", "variants", 3, 7],
    ["resnet20/dense-instability", "summary", 2, 6],
  ])("%s, table %s: every row's label is borderline exactly where the 2 pp rule says so", (id, tableId, valueCol, labelCol) => {
    const table = render(id).tables.find((t) => t.id === tableId)!;
    const measured = table.rows.filter((row) => row[valueCol] !== "-"); // "-": an instability the figure does not measure
    expect(measured.length).toBeGreaterThan(0);
    for (const row of measured) {
      const side = stabilitySide(parsePm(String(row[valueCol])), 2);
      expect(String(row[labelCol]).endsWith("(borderline)"), `${row[valueCol]} -> ${row[labelCol]}`).toBe(side.borderline);
    }
  });

  it("a 2.02 ± 0.48 pp barrier is borderline in every place it appears (unstable/perturbation)", () => {
    expect(thresholdCheck("x", "barrier", { mean: 0.0202, std: 0.0048 }, 2, STABILITY, false).verdict).toBe("borderline");
    const r = render("unstable/perturbation");
    const row = r.tables[0].rows.find((x) => x[7] === "2.02 ± 0.48")!;
    expect(row[8]).toBe("different mode (borderline)");
    const mentions = r.findings.filter((f) => f.includes("2.02 ± 0.48"));
    expect(mentions.length).toBeGreaterThan(0);
    for (const f of mentions) expect(f).toMatch(/borderline[^;]*2\.02 ± 0\.48/);
    for (const c of r.checks.filter((x) => x.evidence.includes("2.02 ± 0.48"))) expect(c.verdict).toBe("borderline");
    // The same cell moved to noise 1x at k = 0, where a claim checks it: borderline there too.
    const { config, ...data } = load("unstable/perturbation");
    type Cell = { k: number; initSeed: number; level: number; scale: number; barrier: number };
    const at4 = (x: Cell) => data.cells.find((y: Cell) => y.k === 0 && y.level === 2 && y.scale === 4 && y.initSeed === x.initSeed).barrier;
    for (const x of data.cells as Cell[]) if (x.k === 0 && x.level === 2 && x.scale === 1) x.barrier = at4(x);
    const moved = getFigure("unstable/perturbation").render(config, data);
    // k = 0, level 2 is measured stable, so its claim is the robust one; its own part says borderline, and so does the claim.
    const robust = verdictOf(moved, "robust-at-pruned-norm");
    expect(robust.evidence).toMatch(/level 2 \(41\.0 %\), noise 1x: barrier 2\.02 ± 0\.48 pp[^;]*\(borderline/);
    expect(robust.verdict).toBe("borderline");
    expect(moved.findings.find((f) => f.startsWith("k = 0, level 2"))).toMatch(/different mode \(borderline\)/);
  });

  it("unstable/dense-instability shows the paper's instability and the α-weighted barrier for Low and Warmup, and Warmup's lower rate", () => {
    const { config } = load("unstable/dense-instability");
    const r = render("unstable/dense-instability");
    const table = r.tables.find((t) => t.id === "variants")!;
    const col = table.columns.indexOf("test α-weighted barrier at k = 0 (pp)");
    expect(col).toBeGreaterThan(0);
    for (const label of ["Low", "Warmup"]) {
      const row = table.rows.find((x) => x[0] === label)!;
      expect(row[col]).toBe("0.00 ± 0.00");
      expect(row[3]).toBe("0.52 ± " + (label === "Low" ? "0.09" : "0.28"));
      const finding = r.findings.find((f) => f.startsWith(`${label} (`))!;
      expect(finding).toMatch(/instability \(the paper's\) 0\.52 ± 0\.\d\d pp/);
      expect(finding).toMatch(/α-weighted barrier 0\.00 ± 0\.00 pp/);
    }
    const warmup = config.variants.find((v: { id: string }) => v.id === "warmup").train.lr;
    expect(warmup).toBe(0.03);
    expect(r.findings.some((f) => f.includes(`Warmup's schedule also lowers the rate: it peaks at ${warmup}`) && /cannot separate/.test(f))).toBe(true);
  });

  it("resnet20/dense-instability: Warmup's sentence follows what Low measured (unstable there), not what it measured elsewhere", () => {
    const r = render("resnet20/dense-instability");
    const low = r.checks.find((c) => c.claim === "low-stable")!;
    expect(low.verdict).toBe("differs");
    const sentence = r.findings.find((f) => f.startsWith("Warmup's schedule also lowers the rate"))!;
    expect(sentence).toMatch(/Low, at a lower rate still \(0\.01\) without warm-up, is unstable at k = 0 \(3\.61 ± 1\.11 pp\)/);
    expect(sentence).not.toMatch(/is stable here/);
    // Low's own line states the same measurement.
    expect(r.findings.find((f) => f.startsWith("Low ("))).toMatch(/instability \(the paper's\) 3\.61 ± 1\.11 pp \(unstable\)/);
  });

  it("resnet20/dense-instability: a late onset that rests on k = 75 being unstable within the noise is borderline", () => {
    const onset = verdictOf(render("resnet20/dense-instability"), "early-onset");
    expect(onset.verdict).toBe("borderline");
    expect(onset.evidence).toMatch(/k = 75 \(5\.0 %, early\) is unstable only within the noise of the 2 pp threshold \(3\.38 ± 2\.09 pp\)/);
    // The same data with k = 75 clearly on one side: the claim follows it.
    const { config, ...data } = load("resnet20/dense-instability");
    const at75 = data.standard.summary.find((s: { k: number }) => s.k === 75);
    const withK75 = (mean: number) => {
      at75.testInstability = { mean, std: 0.002 };
      return verdictOf(getFigure("resnet20/dense-instability").render(config, data), "early-onset").verdict;
    };
    expect(withK75(0.08)).toBe("differs");
    expect(withK75(0.01)).toBe("agrees");
  });

  it("no committed plot joins categorical settings with a line", () => {
    expect(categoryPoints("a", ["x", "y"], [1, 2], [0, 0], 0).mode).toBe("markers");
    for (const f of FIGURES) {
      if (!existsSync(join(committed(f.id), "data.json"))) continue;
      let plots;
      try {
        plots = render(f.id).plots;
      } catch {
        continue; // a figure whose committed data another change is reworking; its own test covers it
      }
      for (const p of plots)
        for (const t of p.data as { x?: unknown[]; mode?: string; name?: string; type?: string }[]) {
          // Scatter traces only (Plotly draws a scatter without a mode with lines); a bar or box has no line.
          const categorical = (t.type ?? "scatter") === "scatter" && Array.isArray(t.x) && t.x.length > 0 && t.x.every((x) => typeof x === "string" && Number.isNaN(Number(x)));
          if (categorical) expect(t.mode ?? "lines", `${f.id} ${p.id} ${t.name}`).not.toMatch(/lines/);
        }
    }
  });
});
