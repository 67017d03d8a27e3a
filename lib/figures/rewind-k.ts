import { defineFigure, FigureResult } from "./figure";
import { STABILITY, agreeIf, check, combine, matchingThreshold, thresholdCheck } from "./claims";
import { errorBars, hline, spreadCaption } from "./plot-helpers";
import { GridCell, RewindGridConfig, cellsAt, gridAccuracy, gridInstability, runRewindGrid } from "./rewind-grid";
import { SubnetworkKind } from "./subnetworks";
import { REWIND_GRID, REWIND_GRID_NOTES } from "./rewind-grid-presets";
import { KIND_LABELS, isMatching } from "./subnetworks";
import { STABILITY_THRESHOLD } from "../lmc/barrier";
import { meanPm, meanStd, plural } from "../util/stats";

function render(c: RewindGridConfig, r: { cells: GridCell[]; denseErrors: number[] }): FigureResult {
  const level = Math.max(...c.levels);
  const density = r.cells.find((x) => x.level === level)!.density;
  const dense = meanStd(r.denseErrors.map((e) => 1 - e));
  const kinds = c.stabilityKinds;
  const ks = c.rewindSteps.map(String);
  const series = (kind: (typeof kinds)[number]) => c.rewindSteps.map((k) => cellsAt(r.cells, kind, k, level));
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
  const nDense = r.denseErrors.length;
  const matchAt = dense.mean - (c.matchingTolerance ?? dense.std);
  const measured = c.rewindSteps.flatMap((k) =>
    kinds.map((kind) => {
      const cells = cellsAt(r.cells, kind, k, level);
      const acc = gridAccuracy(cells);
      const inst = gridInstability(cells);
      return { k, kind, acc, nAcc: cells.length, inst, nInst: nPaths(cells), matching: isMatching(acc, dense, c.matchingTolerance), stable: inst.mean < STABILITY_THRESHOLD };
    }),
  );
  const rows = measured.map((m) => [m.k, KIND_LABELS[m.kind], meanPm(m.acc, m.nAcc), m.matching ? "yes" : "no", meanPm(m.inst, m.nInst), m.stable ? "yes" : "no"]);
  const table = {
    id: "summary",
    title: `Subnetworks at ${(100 * density).toFixed(2)} % density (IMP level ${level}); dense accuracy ${meanPm(dense, nDense)} %`,
    columns: ["k", "subnetwork", "test accuracy (%)", "matching", "test instability (pp)", "stable (< 2 pp)"],
    rows,
    note: `a ± b: mean ± one sample standard deviation over ${plural(c.initSeeds.length, "initialisation")} (accuracy) and over the pairs of copies (instability); a single value shows (n = 1). Matching: accuracy at least ${(100 * matchAt).toFixed(2)} %.`,
  };
  const findings = measured.map((m) => `k = ${m.k}, ${KIND_LABELS[m.kind]}: accuracy ${meanPm(m.acc, m.nAcc)} % (${m.matching ? "matching" : "not matching"}), instability ${meanPm(m.inst, m.nInst)} pp (${m.stable ? "stable" : "unstable"}).`);
  const of = (kind: SubnetworkKind) => measured.filter((m) => m.kind === kind);
  const matchCheck = (id: string, m: (typeof measured)[number], expect: boolean) => thresholdCheck(id, `k = ${m.k}: accuracy`, m.acc, m.nAcc, matchingThreshold(matchAt), !expect);
  const stableCheck = (id: string, m: (typeof measured)[number], expect: boolean) => thresholdCheck(id, `k = ${m.k}: instability`, m.inst, m.nInst, STABILITY, expect);
  const imp0 = of("imp").find((m) => m.k === 0);
  const checks = [
    agreeIf(
      "together",
      of("imp").every((m) => m.matching === m.stable),
      `IMP ${of("imp").map((m) => `k = ${m.k}: ${m.matching ? "matching" : "not matching"}, ${m.stable ? "stable" : "unstable"}`).join("; ")}.`,
    ),
    imp0 ? combine("lenet-from-k0", [matchCheck("lenet-from-k0", imp0, true), stableCheck("lenet-from-k0", imp0, true)]) : check("lenet-from-k0", "not tested", "k = 0 was not measured."),
    combine("random-unstable", of("random-pruning").map((m) => stableCheck("random-unstable", m, false)), "random pruning's stability was not measured."),
    combine("random-not-matching", of("random-pruning").map((m) => matchCheck("random-not-matching", m, false)), "random pruning was not measured."),
  ];
  return { plots: [instabilityPlot, errorPlot], tables: [table], findings, checks };
}

const nPaths = (cells: GridCell[]) => cells.reduce((n, x) => n + x.paths.length, 0);

export const rewindK = defineFigure({
  id: "lmc/rewind-k",
  title: "IMP subnetworks vs the rewind step k (LeNet-300-100)",
  source: "Frankle et al. 2020, Linear Mode Connectivity and the Lottery Ticket Hypothesis, Figs. 6-7",
  claim:
    "IMP subnetworks rewound to step k become stable and matching together as k grows (for the ResNet and VGG nets, at k much smaller than where the dense nets become stable); randomly pruned subnetworks stay unstable and not matching. LeNet-300-100 is stable and matching from k = 0.",
  claims: [
    { id: "together", text: "IMP subnetworks become stable and matching together: at every rewind step k, an IMP subnetwork is matching exactly when it is stable." },
    { id: "lenet-from-k0", text: "For LeNet-300-100 the IMP subnetwork is already stable and matching at k = 0." },
    { id: "random-unstable", text: "Randomly pruned subnetworks stay unstable at every k." },
    { id: "random-not-matching", text: "Randomly pruned subnetworks are not matching at any k." },
  ],
  method:
    "For each rewind step k, run IMP (20 % global magnitude pruning per level, survivors rewound to the dense network's W_k) to the target density, and build a random-pruning baseline with the same per-layer densities rewound to the same W_k. Report each subnetwork's test error (trained with data order 0) and its instability (two copies trained from m * W_k with different data orders; error barrier on the path between them).",
  presetNotes: REWIND_GRID_NOTES,
  presets: REWIND_GRID,
  compute: runRewindGrid,
  render,
});
