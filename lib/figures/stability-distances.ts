import { defineFigure, FigureResult } from "./figure";
import { errorBars, hline } from "./plot-helpers";
import { GridCell, RewindGridConfig, cellsAt, gridAccuracy, runRewindGrid } from "./rewind-grid";
import { REWIND_GRID, REWIND_GRID_NOTES } from "./rewind-grid-presets";
import { KIND_LABELS } from "./subnetworks";
import { meanStd, pp } from "../util/stats";

function render(c: RewindGridConfig, r: { cells: GridCell[]; denseErrors: number[] }): FigureResult {
  const dense = meanStd(r.denseErrors.map((e) => 1 - e));
  const levels = [...c.levels].sort((a, b) => a - b);
  const level = levels[levels.length - 1];
  const density = (l: number) => r.cells.find((x) => x.level === l)!.density;
  const ks = c.rewindSteps.map(String);
  const accuracyPlot = {
    id: "accuracy-vs-density",
    title: "IMP test accuracy vs density, for each rewind step k",
    data: c.rewindSteps.map((k, i) => {
      const s = levels.map((l) => gridAccuracy(cellsAt(r.cells, "imp", k, l)));
      return { ...errorBars(`k = ${k}`, levels.map((l) => 100 * density(l)), s.map((v) => 100 * v.mean), s.map((v) => 100 * v.std), i) };
    }),
    layout: {
      xaxis: { title: { text: "density (%, log scale)" }, type: "log", autorange: "reversed" },
      yaxis: { title: { text: "test accuracy (%)" } },
      shapes: [hline(100 * dense.mean, "dense network")],
    },
  };
  const distancePlot = (field: "pruningDistance" | "dataOrderDistance", title: string) => ({
    id: field,
    title: `${title} at ${(100 * density(level)).toFixed(1)} % density vs rewind step k`,
    data: c.stabilityKinds.map((kind, i) => {
      const s = c.rewindSteps.map((k) => meanStd(cellsAt(r.cells, kind, k, level).map((x) => x[field]!)));
      return errorBars(KIND_LABELS[kind], ks, s.map((v) => v.mean), s.map((v) => v.std), i);
    }),
    layout: { xaxis: { title: { text: "rewind step k" }, type: "category" }, yaxis: { title: { text: "L2 distance over unpruned weights" }, rangemode: "tozero" } },
  });
  const rows = levels.flatMap((l) =>
    c.rewindSteps.flatMap((k) =>
      c.stabilityKinds.map((kind) => {
        const cells = cellsAt(r.cells, kind, k, l);
        const acc = gridAccuracy(cells);
        const pd = meanStd(cells.map((x) => x.pruningDistance!));
        const dd = meanStd(cells.map((x) => x.dataOrderDistance!));
        return [`${(100 * density(l)).toFixed(1)}`, k, KIND_LABELS[kind], pp(acc.mean, acc.std), `${pd.mean.toFixed(3)} ± ${pd.std.toFixed(3)}`, `${dd.mean.toFixed(3)} ± ${dd.std.toFixed(3)}`];
      }),
    ),
  );
  const table = {
    id: "distances",
    title: "Pruning stability (distance to the pruned dense solution) and data-order stability (distance between two data orders), L2 over unpruned weights",
    columns: ["density (%)", "k", "subnetwork", "test accuracy (%)", "pruning distance", "data-order distance"],
    rows,
  };
  const at = (kind: "imp" | "random-pruning", k: number, field: "pruningDistance" | "dataOrderDistance") => meanStd(cellsAt(r.cells, kind, k, level).map((x) => x[field]!)).mean;
  const [k0, kLast] = [c.rewindSteps[0], c.rewindSteps[c.rewindSteps.length - 1]];
  const findings = [
    `At ${(100 * density(level)).toFixed(1)} % density, IMP: pruning distance ${at("imp", k0, "pruningDistance").toFixed(3)} at k = ${k0} and ${at("imp", kLast, "pruningDistance").toFixed(3)} at k = ${kLast}; data-order distance ${at("imp", k0, "dataOrderDistance").toFixed(3)} -> ${at("imp", kLast, "dataOrderDistance").toFixed(3)}.`,
    `Random pruning at the same density: pruning distance ${at("random-pruning", k0, "pruningDistance").toFixed(3)} -> ${at("random-pruning", kLast, "pruningDistance").toFixed(3)}; data-order distance ${at("random-pruning", k0, "dataOrderDistance").toFixed(3)} -> ${at("random-pruning", kLast, "dataOrderDistance").toFixed(3)}.`,
    at("imp", k0, "dataOrderDistance") < at("random-pruning", k0, "dataOrderDistance")
      ? "IMP subnetworks are more stable to data order than random ones at k = 0, as the paper reports."
      : "At k = 0, IMP subnetworks are not more stable to data order than random ones in this run.",
  ];
  return { data: { config: c, ...r }, plots: [accuracyPlot, distancePlot("pruningDistance", "Pruning stability"), distancePlot("dataOrderDistance", "Data-order stability")], tables: [table], findings };
}

export const stabilityDistances = defineFigure<RewindGridConfig>({
  id: "stabilizing/late-rewinding",
  title: "Late rewinding, and pruning and data-order stability as L2 distances (LeNet-300-100)",
  source: "Frankle et al. 2019, Stabilizing the Lottery Ticket Hypothesis (late rewinding; stability of IMP vs random subnetworks)",
  claim:
    "Rewinding to an early step k > 0 instead of 0 finds matching subnetworks at higher sparsity for deeper nets. IMP subnetworks are more stable than random ones both to pruning (they end closer to the pruned dense solution) and to data order (two trainings end closer together), and both distances fall as k grows, along with the accuracy gain.",
  method:
    "For each rewind step k and IMP level: pruning stability is the L2 distance, over the weights the mask keeps, between the subnetwork trained from m * W_k and the trained dense network m * W_T; data-order stability is the L2 distance between two trainings of m * W_k with different data orders. Both for IMP subnetworks and for random pruning with the same per-layer densities. Accuracy vs density is shown for each k.",
  presetNotes: REWIND_GRID_NOTES,
  presets: REWIND_GRID,
  async run(config) {
    return render(config, await runRewindGrid(config));
  },
});
