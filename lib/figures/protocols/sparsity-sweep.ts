import { FigureResult, FigureProtocol } from "../figure";
import { STABILITY, agreeIf, check, combine, iffCheck, thresholdCheck } from "../claims";
import { stabilitySide } from "../../lmc/stability";
import { color, densityAxis, hline, spreadCaption } from "../plot-helpers";
import { GridCell, RewindGridConfig, RewindGridData, cellsAt, gridAccuracy, gridInstability, runRewindGrid, REWIND_GRID_STEPS } from "./rewind-grid";
import { SubnetworkKind } from "../../lottery/subnetworks";
import { marginText, matchingVerdict } from "../../lottery/matching";
import { STABILITY_THRESHOLD } from "../../lmc/barrier";
import { MeanStd, meanPm, meanStd, plural } from "../../util/stats";

type Curve = { kind: SubnetworkKind; k: number | null; label: string };

/** The three regimes of the LMC paper's sparsity sweep, decided at each density. */
export function regime(randomMatches: boolean, impMatches: boolean): string {
  if (randomMatches) return "a random baseline matches";
  if (impMatches) return "only IMP matches";
  return "nothing matches";
}

function render(c: RewindGridConfig, r: { cells: GridCell[]; denseErrors: number[] }): FigureResult {
  const dense = meanStd(r.denseErrors.map((e) => 1 - e));
  const curves: Curve[] = [
    ...c.rewindSteps.map((k) => ({ kind: "imp" as const, k, label: `IMP, k = ${k}` })),
    ...c.rewindSteps.map((k) => ({ kind: "random-pruning" as const, k, label: `random pruning, k = ${k}` })),
    ...(c.accuracyKinds.includes("random-reinit") || c.stabilityKinds.includes("random-reinit") ? [{ kind: "random-reinit" as const, k: null, label: "random reinit" }] : []),
  ];
  const levels = [...c.levels].sort((a, b) => a - b);
  const densityOf = (level: number) => r.cells.find((x) => x.level === level)!.density;
  const x = levels.map((l) => 100 * densityOf(l));
  const at = (curve: Curve, level: number) => cellsAt(r.cells, curve.kind, curve.k, level);
  const trace = (curve: Curve, i: number, value: (cells: GridCell[]) => MeanStd, scale: (v: number) => number) => {
    const s = levels.map((l) => value(at(curve, l)));
    return {
      x,
      y: s.map((v) => scale(v.mean)),
      error_y: { type: "data", array: s.map((v) => 100 * v.std), visible: true },
      name: curve.label,
      mode: "lines+markers",
      line: { color: color(i), dash: curve.kind === "imp" ? "solid" : curve.kind === "random-pruning" ? "dash" : "dot" },
      type: "scatter",
    };
  };
  const axis = densityAxis("density of fc1/fc2 (%, log scale)", x);
  const caption = (what: string) => spreadCaption(what, c.initSeeds.length, "Solid: IMP; dashed: random pruning; dotted: random reinitialisation.");
  const accuracyPlot = {
    id: "accuracy-vs-density",
    title: "Test accuracy vs density",
    data: curves.map((cv, i) => trace(cv, i, gridAccuracy, (v) => 100 * v)),
    layout: { xaxis: axis, yaxis: { title: { text: "test accuracy (%)" } }, shapes: [hline(100 * dense.mean, "dense network's mean accuracy")] },
    caption: `${caption("initialisations")} Dashed grey line: the dense networks' mean accuracy.`,
  };
  const stabilityCurves = curves.filter((cv) => c.stabilityKinds.includes(cv.kind));
  const instabilityPlot = {
    id: "instability-vs-density",
    title: "Instability vs density",
    data: stabilityCurves.map((cv, i) => trace(cv, i, gridInstability, (v) => 100 * v)),
    layout: { xaxis: axis, yaxis: { title: { text: "test instability (pp)" }, rangemode: "tozero" }, shapes: [hline(100 * STABILITY_THRESHOLD, "stability threshold: stable below 2 pp")] },
    caption: `${caption(`pairs of copies (${c.pairs} per initialisation)`)} Dashed grey line: the 2 pp stability threshold.`,
  };
  const verdict = (cv: Curve, level: number) => matchingVerdict(gridAccuracy(at(cv, level)), at(cv, level).length, dense, r.denseErrors.length, c.matchingTolerance);
  const matches = (cv: Curve, level: number) => verdict(cv, level).matching;
  // A verdict within its noise is marked, so a reader sees which cells could flip with other seeds.
  const marked = (cv: Curve, level: number, text: string) => (verdict(cv, level).borderline ? `${text} (borderline, ${marginText(verdict(cv, level))} pp)` : text);
  // The figure's one stability rule (claims.ts): below 2 pp, borderline within one std (or 0.2 pp) of it.
  const stable = (cv: Curve, level: number) => stabilitySide(gridInstability(at(cv, level)), nPaths(at(cv, level)));
  const rows = levels.map((level) => {
    const imp = curves.filter((cv) => cv.kind === "imp" && matches(cv, level)).map((cv) => marked(cv, level, String(cv.k)));
    const random = curves.filter((cv) => cv.kind !== "imp" && matches(cv, level)).map((cv) => marked(cv, level, cv.label));
    const stableImp = curves.filter((cv) => cv.kind === "imp" && stable(cv, level).below).map((cv) => (stable(cv, level).borderline ? `${cv.k} (borderline, ${meanPm(gridInstability(at(cv, level)), nPaths(at(cv, level)))} pp)` : String(cv.k)));
    return [`${(100 * densityOf(level)).toFixed(1)}`, level, imp.length ? imp.join(", ") : "none", stableImp.length ? stableImp.join(", ") : "none", random.length ? random.join("; ") : "none", regime(random.length > 0, imp.length > 0)];
  });
  const matchAt = dense.mean - (c.matchingTolerance ?? dense.std);
  const table = {
    id: "regimes",
    title: `Which subnetworks match the dense accuracy (${meanPm(dense, r.denseErrors.length)} %), per density`,
    columns: ["density (%)", "IMP level", "IMP matching at k", "IMP stable at k", "random baselines matching", "regime"],
    rows,
    note: `Matching: mean accuracy over ${plural(c.initSeeds.length, "initialisation")} at least ${(100 * matchAt).toFixed(2)} % (the dense mean minus ${c.matchingTolerance === null ? "one std of the dense runs" : "the tolerance"}); borderline: the margin to that threshold is within two standard errors (the dense runs' std is the floor of a subnetwork's spread) or 0.1 pp; stable: mean instability below 2 pp, borderline when within one std of the pairs (or 0.2 pp) of it. The dense accuracy in the title is mean ± one sample standard deviation over ${plural(r.denseErrors.length, "dense run")}.`,
  };
  const findings = rows.map((row) => `${row[0]} % density: ${row[5]} (IMP matching at k = ${row[2]}; stable at k = ${row[3]}; random baselines matching: ${row[4]}).`);
  const regimeOf = (level: number) => rows[levels.indexOf(level)][5] as string;
  const where = (name: string) => levels.filter((l) => regimeOf(l) === name);
  const pct = (ls: number[]) => ls.map((l) => `${(100 * densityOf(l)).toFixed(1)} %`).join(", ");
  const onlyImp = where(regime(false, true));
  const impCurves = curves.filter((cv) => cv.kind === "imp");
  const randomPruning = curves.filter((cv) => cv.kind === "random-pruning");
  const sparsest = levels[levels.length - 1];
  const checks = [
    agreeIf("random-matches", where(regime(true, false)).length > 0, where(regime(true, false)).length ? `a random baseline matches at ${pct(where(regime(true, false)))}.` : `no random baseline matches at any measured density (densest: ${(100 * densityOf(levels[0])).toFixed(1)} %).`),
    agreeIf("only-imp", onlyImp.length > 0, onlyImp.length ? `only IMP matches at ${pct(onlyImp)}.` : "at no measured density does IMP match while every random baseline fails."),
    where(regime(false, false)).length
      ? agreeIf("nothing-matches", true, `nothing matches at ${pct(where(regime(false, false)))}.`)
      : check("nothing-matches", "not tested", `the sparsest density measured, ${(100 * densityOf(sparsest)).toFixed(1)} %, is in the regime "${regimeOf(sparsest)}": this grid stops before the extreme regime.`),
    onlyImp.length
      ? iffCheck(
          "matching-are-stable",
          onlyImp.flatMap((l) =>
            impCurves.map((cv) => ({
              name: `${(100 * densityOf(l)).toFixed(1)} %, k = ${cv.k}`,
              a: matches(cv, l),
              aBorderline: verdict(cv, l).borderline,
              b: stable(cv, l).below,
              bBorderline: stable(cv, l).borderline,
              detail: `${matches(cv, l) ? "matching" : "not matching"} (${marginText(verdict(cv, l))} pp), instability ${meanPm(gridInstability(at(cv, l)), nPaths(at(cv, l)))} pp`,
            })),
          ),
          { cell: "IMP cell", cells: "IMP cells (every k at the densities where only IMP matches)", a: "matching", b: "stable", both: "both matching and stable", neither: "neither" },
        )
      : check("matching-are-stable", "not tested", "no density is in the only-IMP regime."),
    combine(
      "random-unstable",
      onlyImp.flatMap((l) => randomPruning.map((cv) => thresholdCheck("random-unstable", `${(100 * densityOf(l)).toFixed(1)} %, ${cv.label}: instability`, gridInstability(at(cv, l)), nPaths(at(cv, l)), STABILITY, false))),
      "no density is in the only-IMP regime, or random pruning's stability was not measured.",
    ),
  ];
  return { plots: [accuracyPlot, instabilityPlot], tables: [table], findings, checks };
}

const nPaths = (cells: GridCell[]) => cells.reduce((n, x) => n + x.paths.length, 0);

export const sparsitySweepProtocol: FigureProtocol<RewindGridConfig, RewindGridData> = {
  source: "Frankle et al. 2020, Linear Mode Connectivity and the Lottery Ticket Hypothesis, Figs. 8-9",
  claim:
    "Across sparsities there are three regimes: at low sparsity even random pruning matches; at intermediate sparsity only IMP subnetworks (and, for the deeper nets, only with rewinding to k > 0) match, and exactly those are stable; at extreme sparsity nothing matches.",
  claims: [
    { id: "random-matches", text: "At low sparsity even random pruning (or reinitialisation) matches the dense accuracy." },
    { id: "only-imp", text: "At intermediate sparsity only IMP subnetworks match." },
    { id: "nothing-matches", text: "At extreme sparsity nothing matches." },
    { id: "matching-are-stable", text: "Where only IMP matches, the IMP subnetworks that match are exactly those that are stable." },
    { id: "random-unstable", text: "Where only IMP matches, randomly pruned subnetworks are unstable." },
  ],
  method:
    "For every IMP level and rewind step k: the IMP subnetwork, a random-pruning baseline (IMP's per-layer densities, rewound to the same W_k) and a random reinitialisation (IMP's mask, fresh weights). Test accuracy of each (trained with data order 0) and the instability of IMP and random pruning (two copies, different data orders). A subnetwork matches when its accuracy is within one std of the dense networks'.",
  compute: runRewindGrid,
  steps: REWIND_GRID_STEPS,
  render,
};
