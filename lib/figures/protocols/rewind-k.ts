import { Figure, Preset, defineFigure, FigureResult } from "../figure";
import { Claim, ClaimCheck, IffCell, STABILITY, check, combine, iffCheck, iffCounts, sideLabel, thresholdCheck } from "../claims";
import { thresholdSide } from "../../lmc/stability";
import { errorBars, hline, spreadCaption } from "../plot-helpers";
import { GridCell, RewindGridConfig, cellsAt, gridAccuracy, gridInstability, runRewindGrid, REWIND_GRID_STEPS } from "./rewind-grid";
import { SubnetworkKind } from "../../lottery/subnetworks";
import { KIND_LABELS } from "../../lottery/subnetworks";
import { MatchingVerdict, marginText, matchingLabel, matchingVerdict } from "../../lottery/matching";
import { STABILITY_THRESHOLD } from "../../lmc/barrier";
import { MeanStd, meanPm, meanStd, plural } from "../../util/stats";

/** What a network does at initialisation, which decides the paper's claim about k = 0. */
export type AtInit = "stable" | "unstable";

type Grid = { cells: GridCell[]; denseErrors: number[]; denseInstabilities?: number[] };

/** One (k, level, kind) cell: accuracy and instability with their verdicts and margins. */
interface Cell {
  k: number;
  level: number;
  density: number;
  kind: SubnetworkKind;
  acc: MeanStd;
  nAcc: number;
  inst: MeanStd;
  nInst: number;
  match: MatchingVerdict;
  stable: ReturnType<typeof thresholdSide>;
}

function measureCells(c: RewindGridConfig, r: Grid): Cell[] {
  const dense = meanStd(r.denseErrors.map((e) => 1 - e));
  return [...c.levels].sort((a, b) => a - b).flatMap((level) =>
    c.rewindSteps.flatMap((k) =>
      c.stabilityKinds.map((kind) => {
        const cells = cellsAt(r.cells, kind, k, level);
        const acc = gridAccuracy(cells);
        const inst = gridInstability(cells);
        const nInst = nPaths(cells);
        return { k, level, density: cells[0]?.density ?? NaN, kind, acc, nAcc: cells.length, inst, nInst, match: matchingVerdict(acc, cells.length, dense, r.denseErrors.length, c.matchingTolerance), stable: thresholdSide(inst, nInst, STABILITY.threshold, STABILITY.minBand) };
      }),
    ),
  );
}

/** The level the k-plots show: the sparsest at which an IMP subnetwork matches at some k (else the densest). */
function focusLevel(c: RewindGridConfig, cells: Cell[]): number {
  const levels = [...c.levels].sort((a, b) => a - b);
  const matching = levels.filter((l) => cells.some((x) => x.kind === "imp" && x.level === l && x.match.matching));
  return matching.length ? matching[matching.length - 1] : levels[0];
}

const isStable = (x: Cell) => x.stable.below;

/** The IMP cells of "matching iff stable", with their borderline marks, as claims.ts's iffCheck takes them. */
function iffCells(imp: Cell[]): IffCell[] {
  return imp.map((x) => ({
    name: `k = ${x.k} at ${(100 * x.density).toFixed(1)} %`,
    a: x.match.matching,
    aBorderline: x.match.borderline,
    b: isStable(x),
    bBorderline: x.stable.borderline,
    detail: `${x.match.matching ? "matching" : "not matching"} (${marginText(x.match)} pp), instability ${meanPm(x.inst, x.nInst)} pp`,
  }));
}

const IFF_NAMES = { cell: "IMP cell", cells: "IMP cells (every k and density)", a: "matching", b: "stable", both: "both matching and stable", neither: "neither" };

/** "matching iff stable" over every IMP cell: tested only where the two properties vary across the cells. */
function togetherCheck(imp: Cell[]): ClaimCheck {
  return iffCheck("together", iffCells(imp), IFF_NAMES);
}

function matchCheck(id: string, x: Cell, expect: boolean): ClaimCheck {
  const verdict = x.match.borderline ? "borderline" : x.match.matching === expect ? "agrees" : "differs";
  return check(id, verdict, `k = ${x.k}: accuracy ${meanPm(x.acc, x.nAcc)} %, margin ${marginText(x.match)} pp to the matching threshold (${(100 * x.match.threshold).toFixed(2)} %)${x.match.borderline ? " (borderline: within the noise)" : ""}.`);
}

const stableCheck = (id: string, x: Cell, expect: boolean) => thresholdCheck(id, `k = ${x.k}: instability`, x.inst, x.nInst, STABILITY, expect);

/** The claims about k = 0 and late k, which depend on whether the dense network is stable at initialisation. */
function rewindingChecks(atInit: AtInit, imp: Cell[]): ClaimCheck[] {
  const k0 = imp.find((x) => x.k === 0);
  if (atInit === "stable") return [k0 ? combine("lenet-from-k0", [matchCheck("lenet-from-k0", k0, true), stableCheck("lenet-from-k0", k0, true)]) : check("lenet-from-k0", "not tested", "k = 0 was not measured.")];
  const late = imp.filter((x) => x.k > 0);
  const best = late.find((x) => x.match.matching && isStable(x)) ?? late[late.length - 1];
  return [
    k0 ? combine("k0-fails", [matchCheck("k0-fails", k0, false), stableCheck("k0-fails", k0, false)]) : check("k0-fails", "not tested", "k = 0 was not measured."),
    best ? combine("late-k-works", [matchCheck("late-k-works", best, true), stableCheck("late-k-works", best, true)]) : check("late-k-works", "not tested", "no k > 0 was measured."),
  ];
}

function render(atInit: AtInit, c: RewindGridConfig, r: Grid): FigureResult {
  const all = measureCells(c, r);
  const level = focusLevel(c, all);
  const at = all.filter((x) => x.level === level);
  const density = at[0].density;
  const dense = meanStd(r.denseErrors.map((e) => 1 - e));
  const nDense = r.denseErrors.length;
  const kinds = c.stabilityKinds;
  const ks = c.rewindSteps.map(String);
  const series = (kind: SubnetworkKind) => c.rewindSteps.map((k) => cellsAt(r.cells, kind, k, level));
  const instabilityPlot = {
    id: "instability-vs-k",
    title: `Instability of subnetworks at ${(100 * density).toFixed(1)} % density vs rewind step k`,
    data: kinds.map((kind, i) => {
      const s = series(kind).map(gridInstability);
      return errorBars(KIND_LABELS[kind], ks, s.map((x) => 100 * x.mean), s.map((x) => 100 * x.std), i);
    }),
    layout: {
      xaxis: { title: { text: "rewind step k" }, type: "category" },
      yaxis: { title: { text: "test instability (pp)" }, rangemode: "tozero" },
      shapes: [hline(100 * STABILITY_THRESHOLD, "stability threshold: stable below 2 pp")],
    },
    caption: spreadCaption("pairs of copies (one per initialisation)", nPaths(series(kinds[0])[0] ?? []), "Dashed line: the 2 pp stability threshold."),
  };
  const errorPlot = {
    id: "error-vs-k",
    title: `Test error of subnetworks at ${(100 * density).toFixed(1)} % density vs rewind step k`,
    data: kinds.map((kind, i) => {
      const s = series(kind).map(gridAccuracy);
      return errorBars(KIND_LABELS[kind], ks, s.map((x) => 100 * (1 - x.mean)), s.map((x) => 100 * x.std), i);
    }),
    layout: {
      xaxis: { title: { text: "rewind step k" }, type: "category" },
      yaxis: { title: { text: "test error (%)" } },
      shapes: [hline(100 * (1 - dense.mean), "dense network's mean test error")],
    },
    caption: spreadCaption("initialisations", c.initSeeds.length, "Dashed line: the dense networks' mean test error."),
  };
  const threshold = matchingVerdict(dense, 1, dense, nDense, c.matchingTolerance).threshold;
  const row = (x: Cell) => [x.k, KIND_LABELS[x.kind], meanPm(x.acc, x.nAcc), marginText(x.match), matchingLabel(x.match), meanPm(x.inst, x.nInst), sideLabel(x.stable, "yes", "no")];
  const note = `a ± b: mean ± one sample standard deviation over ${plural(c.initSeeds.length, "initialisation")} (accuracy) and over the pairs of copies (instability); a single value shows (n = 1). Matching: mean accuracy at least ${(100 * threshold).toFixed(2)} % (the mean of ${plural(nDense, "dense run")} minus ${c.matchingTolerance === null ? "their std" : "the tolerance"}); margin: accuracy minus that threshold ± two standard errors (the dense runs' std is the floor of a subnetwork's spread); borderline: the margin is within that noise (or 0.1 pp), or the instability within one std (or 0.2 pp) of 2 pp.`;
  const table = {
    id: "summary",
    title: `Subnetworks at ${(100 * density).toFixed(2)} % density (IMP level ${level}, the sparsest at which IMP matches at some k); dense accuracy ${meanPm(dense, nDense)} %`,
    columns: ["k", "subnetwork", "test accuracy (%)", "margin to matching (pp)", "matching", "test instability (pp)", "stable (< 2 pp)"],
    rows: at.map(row),
    note,
  };
  const grid = {
    id: "cells",
    title: "Every (density, k) cell: matching and stable, with margins",
    columns: ["density (%)", ...table.columns],
    rows: all.map((x) => [(100 * x.density).toFixed(1), ...row(x)]),
    note,
  };
  const imp = all.filter((x) => x.kind === "imp");
  const counts = iffCounts(iffCells(imp));
  const findings = [
    ...at.map((x) => `${(100 * x.density).toFixed(1)} %, k = ${x.k}, ${KIND_LABELS[x.kind]}: accuracy ${meanPm(x.acc, x.nAcc)} % (${x.match.matching ? "matching" : "not matching"}, margin ${marginText(x.match)} pp${x.match.borderline ? ", borderline" : ""}), instability ${meanPm(x.inst, x.nInst)} pp (${sideLabel(x.stable, "stable", "unstable")}).`),
    `Matching and stable coincide for ${counts.both.length + counts.neither.length} of ${imp.length} IMP cells (every density and k): ${counts.both.length} both, ${counts.neither.length} neither; ${counts.nonTrivial} non-trivial (not both)${counts.exercised ? "" : `: every cell is ${counts.both.length ? "both" : "neither"}, so "matching iff stable" is not exercised`}.`,
  ];
  const of = (kind: SubnetworkKind) => at.filter((x) => x.kind === kind);
  const checks = [
    togetherCheck(imp),
    ...rewindingChecks(atInit, of("imp")),
    combine("random-unstable", of("random-pruning").map((x) => stableCheck("random-unstable", x, false)), "random pruning's stability was not measured."),
    combine("random-not-matching", of("random-pruning").map((x) => matchCheck("random-not-matching", x, false)), "random pruning was not measured."),
  ];
  return { plots: [instabilityPlot, errorPlot], tables: [table, grid], findings, checks };
}

const nPaths = (cells: GridCell[]) => cells.reduce((n, x) => n + x.paths.length, 0);

/** The paper's claims about k = 0 for a network stable at initialisation (LeNet) or unstable there (ResNet-20, VGG-16). */
const REWINDING_CLAIMS: Record<AtInit, Claim[]> = {
  stable: [{ id: "lenet-from-k0", text: "For LeNet-300-100 the IMP subnetwork is already stable and matching at k = 0." }],
  unstable: [
    { id: "k0-fails", text: "For a network unstable at initialisation (ResNet-20, VGG-16), the IMP subnetwork rewound to k = 0 is neither matching nor stable." },
    { id: "late-k-works", text: "Rewound to a later k, the IMP subnetwork is both matching and stable." },
  ],
};

export interface RewindKVariant {
  id: string;
  title: string;
  atInit: AtInit;
  presets: Record<Preset, RewindGridConfig>;
  presetNotes: Record<Preset, string>;
  /** Check the premise, the dense network unstable at k = 0, on the grid's own dense pairs (`densePairs`). */
  premise?: boolean;
}

const PREMISE: Claim = { id: "dense-unstable", text: "The premise: the dense network is unstable at initialisation (two copies made at k = 0 end more than 2 pp apart)." };

/** The premise measured in the figure: the instability of the dense network's pairs at k = 0. */
function premiseCheck(r: Grid): ClaimCheck {
  const values = r.denseInstabilities ?? [];
  if (!values.length) return check(PREMISE.id, "not tested", "this preset measures no dense pairs at k = 0 (densePairs).");
  return thresholdCheck(PREMISE.id, "dense network at k = 0: instability", meanStd(values), values.length, STABILITY, false);
}

export function rewindKFigure(v: RewindKVariant): Figure<RewindGridConfig, Grid> {
  return defineFigure({
    id: v.id,
    title: v.title,
    source: "Frankle et al. 2020, Linear Mode Connectivity and the Lottery Ticket Hypothesis, Figs. 6-7 and Table 2",
    claim:
      "IMP subnetworks rewound to step k become stable and matching together as k grows (for the ResNet and VGG nets, at k much smaller than where the dense nets become stable); randomly pruned subnetworks stay unstable and not matching. LeNet-300-100 is stable and matching from k = 0.",
    claims: [
      ...(v.premise ? [PREMISE] : []),
      { id: "together", text: "IMP subnetworks become stable and matching together: at every rewind step k and sparsity, an IMP subnetwork is matching exactly when it is stable." },
      ...REWINDING_CLAIMS[v.atInit],
      { id: "random-unstable", text: "Randomly pruned subnetworks stay unstable at every k." },
      { id: "random-not-matching", text: "Randomly pruned subnetworks are not matching at any k." },
    ],
    method:
      "For each rewind step k, run IMP (magnitude pruning per level, survivors rewound to the dense network's W_k) to each target density, and build a random-pruning baseline with the same per-layer densities rewound to the same W_k. Report each subnetwork's test error (trained with data order 0) and its instability (two copies trained from m * W_k with different data orders; error barrier on the path between them). The plots and the first table show the sparsest density at which IMP matches at some k; the second table states matching and stable for every (density, k) cell with its margin, and the first claim counts the cells where they agree.",
    presetNotes: v.presetNotes,
    presets: v.presets,
    compute: runRewindGrid,
    steps: REWIND_GRID_STEPS,
    render: (c, r) => {
      const result = render(v.atInit, c, r);
      return v.premise ? { ...result, checks: [premiseCheck(r), ...result.checks] } : result;
    },
  });
}
