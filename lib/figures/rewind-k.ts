import { defineFigure, FigureResult } from "./figure";
import { errorBars, hline } from "./plot-helpers";
import { GridCell, RewindGridConfig, cellsAt, gridAccuracy, gridInstability, runRewindGrid } from "./rewind-grid";
import { REWIND_GRID, REWIND_GRID_NOTES } from "./rewind-grid-presets";
import { KIND_LABELS, isMatching } from "./subnetworks";
import { STABILITY_THRESHOLD } from "../lmc/barrier";
import { meanStd, pp } from "../util/stats";

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
      shapes: [hline(100 * STABILITY_THRESHOLD, "stable below 2 pp")],
    },
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
      shapes: [hline(100 * (1 - dense.mean), "dense network")],
    },
  };
  const rows = c.rewindSteps.flatMap((k) =>
    kinds.map((kind) => {
      const cells = cellsAt(r.cells, kind, k, level);
      const acc = gridAccuracy(cells);
      const inst = gridInstability(cells);
      return [k, KIND_LABELS[kind], pp(acc.mean, acc.std), isMatching(acc, dense, c.matchingTolerance) ? "yes" : "no", pp(inst.mean, inst.std), inst.mean < STABILITY_THRESHOLD ? "yes" : "no"];
    }),
  );
  const table = {
    id: "summary",
    title: `Subnetworks at ${(100 * density).toFixed(2)} % density (IMP level ${level}); dense accuracy ${pp(dense.mean, dense.std)} %`,
    columns: ["k", "subnetwork", "test accuracy (%)", "matching", "test instability (pp)", "stable (< 2 pp)"],
    rows,
  };
  const findings = rows.map((row) => `k = ${row[0]}, ${row[1]}: accuracy ${row[2]} % (${row[3] === "yes" ? "matching" : "not matching"}), instability ${row[4]} pp (${row[5] === "yes" ? "stable" : "unstable"}).`);
  const agree = rows.filter((row) => row[1] === KIND_LABELS.imp).every((row) => row[3] === row[5]);
  findings.push(
    agree
      ? "For IMP, matching and stability coincide at every k, as the paper finds."
      : "For IMP, matching and stability do not coincide at every k here (see the table), unlike the paper.",
  );
  return { data: { config: c, ...r }, plots: [instabilityPlot, errorPlot], tables: [table], findings };
}

export const rewindK = defineFigure<RewindGridConfig>({
  id: "lmc/rewind-k",
  title: "IMP subnetworks vs the rewind step k (LeNet-300-100)",
  source: "Frankle et al. 2020, Linear Mode Connectivity and the Lottery Ticket Hypothesis, Figs. 6-7",
  claim:
    "IMP subnetworks rewound to step k become stable and matching together as k grows (for the ResNet and VGG nets, at k much smaller than where the dense nets become stable); randomly pruned subnetworks stay unstable and not matching. LeNet-300-100 is stable and matching from k = 0.",
  method:
    "For each rewind step k, run IMP (20 % global magnitude pruning per level, survivors rewound to the dense network's W_k) to the target density, and build a random-pruning baseline with the same per-layer densities rewound to the same W_k. Report each subnetwork's test error (trained with data order 0) and its instability (two copies trained from m * W_k with different data orders; error barrier on the path between them).",
  presetNotes: REWIND_GRID_NOTES,
  presets: REWIND_GRID,
  async run(config) {
    return render(config, await runRewindGrid(config));
  },
});
