import { FigureResult, FigureProtocol } from "../figure";
import { ClaimCheck, Verdict, check } from "../claims";
import { densityAxis, errorBars, hline, spreadCaption } from "../plot-helpers";
import { GridCell, RewindGridConfig, RewindGridData, cellsAt, gridAccuracy, runRewindGrid, REWIND_GRID_STEPS } from "./rewind-grid";
import { KIND_LABELS } from "../../lottery/subnetworks";
import { meanPm, meanStd, plural } from "../../util/stats";

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
      xaxis: densityAxis("density (%, log scale)", levels.map((l) => 100 * density(l))),
      yaxis: { title: { text: "test accuracy (%)" } },
      shapes: [hline(100 * dense.mean, "dense network's mean accuracy")],
    },
    caption: spreadCaption("initialisations", c.initSeeds.length, "Dashed line: the dense networks' mean accuracy."),
  };
  const distancePlot = (field: "pruningDistance" | "dataOrderDistance", title: string) => ({
    id: field,
    title: `${title} at ${(100 * density(level)).toFixed(1)} % density vs rewind step k`,
    data: c.stabilityKinds.map((kind, i) => {
      const s = c.rewindSteps.map((k) => meanStd(cellsAt(r.cells, kind, k, level).map((x) => x[field]!)));
      return errorBars(KIND_LABELS[kind], ks, s.map((v) => v.mean), s.map((v) => v.std), i);
    }),
    layout: { xaxis: { title: { text: "rewind step k" }, type: "category" }, yaxis: { title: { text: "L2 distance over unpruned weights" }, rangemode: "tozero" } },
    caption: spreadCaption("initialisations", c.initSeeds.length, field === "dataOrderDistance" ? "Distance between the first pair of copies of each initialisation." : "Distance to the trained dense network of the same initialisation, over the weights the mask keeps."),
  });
  const rows = levels.flatMap((l) =>
    c.rewindSteps.flatMap((k) =>
      c.stabilityKinds.map((kind) => {
        const cells = cellsAt(r.cells, kind, k, l);
        const acc = gridAccuracy(cells);
        const pd = meanStd(cells.map((x) => x.pruningDistance!));
        const dd = meanStd(cells.map((x) => x.dataOrderDistance!));
        return [`${(100 * density(l)).toFixed(1)}`, k, KIND_LABELS[kind], meanPm(acc, cells.length), meanPm(pd, cells.length, 1, 3), meanPm(dd, cells.length, 1, 3)];
      }),
    ),
  );
  const table = {
    id: "distances",
    title: "Pruning stability (distance to the pruned dense solution) and data-order stability (distance between two data orders), L2 over unpruned weights",
    columns: ["density (%)", "k", "subnetwork", "test accuracy (%)", "pruning distance", "data-order distance"],
    rows,
    note: `a ± b: mean ± one sample standard deviation over ${plural(c.initSeeds.length, "initialisation")}; a single value shows (n = 1).`,
  };
  const at = (kind: "imp" | "random-pruning", k: number, field: "pruningDistance" | "dataOrderDistance") => meanStd(cellsAt(r.cells, kind, k, level).map((x) => x[field]!)).mean;
  const [k0, kLast] = [c.rewindSteps[0], c.rewindSteps[c.rewindSteps.length - 1]];
  const findings = [
    `At ${(100 * density(level)).toFixed(1)} % density, IMP: pruning distance ${at("imp", k0, "pruningDistance").toFixed(3)} at k = ${k0} and ${at("imp", kLast, "pruningDistance").toFixed(3)} at k = ${kLast}; data-order distance ${at("imp", k0, "dataOrderDistance").toFixed(3)} -> ${at("imp", kLast, "dataOrderDistance").toFixed(3)}.`,
    `Random pruning at the same density: pruning distance ${at("random-pruning", k0, "pruningDistance").toFixed(3)} -> ${at("random-pruning", kLast, "pruningDistance").toFixed(3)}; data-order distance ${at("random-pruning", k0, "dataOrderDistance").toFixed(3)} -> ${at("random-pruning", kLast, "dataOrderDistance").toFixed(3)}.`,
  ];
  const acc = (k: number, l: number) => gridAccuracy(cellsAt(r.cells, "imp", k, l));
  const sparsest = (100 * density(level)).toFixed(1);
  const lateGain = acc(kLast, level).mean - acc(k0, level).mean;
  const noise = Math.max(acc(kLast, level).std, acc(k0, level).std, 0.001);
  const lateVerdict: Verdict = Math.abs(lateGain) <= noise ? "borderline" : lateGain > 0 ? "agrees" : "differs";
  const closer = (id: string, field: "pruningDistance" | "dataOrderDistance", what: string): ClaimCheck => {
    const pairs = c.rewindSteps.map((k) => ({ k, imp: at("imp", k, field), random: at("random-pruning", k, field) }));
    const all = pairs.every((p) => p.imp < p.random);
    return check(id, all ? "agrees" : "differs", `at ${sparsest} % density, ${what} IMP vs random pruning: ${pairs.map((p) => `k = ${p.k}: ${p.imp.toFixed(3)} vs ${p.random.toFixed(3)}`).join("; ")}.`);
  };
  const falls = (field: "pruningDistance" | "dataOrderDistance") => at("imp", kLast, field) < at("imp", k0, field);
  const checks = [
    check("late-rewinding", lateVerdict, `IMP at ${sparsest} % density: ${meanPm(acc(k0, level), c.initSeeds.length)} % at k = ${k0}, ${meanPm(acc(kLast, level), c.initSeeds.length)} % at k = ${kLast} (${lateGain >= 0 ? "+" : ""}${(100 * lateGain).toFixed(2)} pp${lateVerdict === "borderline" ? ", within the spread: borderline" : ""}).`),
    closer("imp-closer-pruning", "pruningDistance", "pruning distance"),
    closer("imp-closer-data-order", "dataOrderDistance", "data-order distance"),
    check(
      "distances-fall",
      falls("pruningDistance") && falls("dataOrderDistance") ? "agrees" : "differs",
      `IMP at ${sparsest} %: pruning distance ${at("imp", k0, "pruningDistance").toFixed(3)} at k = ${k0} -> ${at("imp", kLast, "pruningDistance").toFixed(3)} at k = ${kLast}; data-order distance ${at("imp", k0, "dataOrderDistance").toFixed(3)} -> ${at("imp", kLast, "dataOrderDistance").toFixed(3)}.`,
    ),
  ];
  return { plots: [accuracyPlot, distancePlot("pruningDistance", "Pruning stability"), distancePlot("dataOrderDistance", "Data-order stability")], tables: [table], findings, checks };
}

export const lateRewindingProtocol: FigureProtocol<RewindGridConfig, RewindGridData> = {
  source: "Frankle et al. 2019, Stabilizing the Lottery Ticket Hypothesis (late rewinding; stability of IMP vs random subnetworks)",
  claim:
    "Rewinding to an early step k > 0 instead of 0 finds matching subnetworks at higher sparsity for deeper nets. IMP subnetworks are more stable than random ones both to pruning (they end closer to the pruned dense solution) and to data order (two trainings end closer together), and both distances fall as k grows, along with the accuracy gain.",
  claims: [
    { id: "late-rewinding", text: "Rewinding to an early step k > 0 rather than to 0 gives more accurate subnetworks at high sparsity (for deeper nets, where k = 0 fails)." },
    { id: "imp-closer-pruning", text: "IMP subnetworks are more stable to pruning than random ones: they end closer to the pruned dense solution." },
    { id: "imp-closer-data-order", text: "IMP subnetworks are more stable to data order than random ones: two trainings with different data orders end closer together." },
    { id: "distances-fall", text: "Both distances fall as k grows." },
  ],
  method:
    "For each rewind step k and IMP level: pruning stability is the L2 distance, over the weights the mask keeps, between the subnetwork trained from m * W_k and the trained dense network m * W_T; data-order stability is the L2 distance between two trainings of m * W_k with different data orders. Both for IMP subnetworks and for random pruning with the same per-layer densities. Accuracy vs density is shown for each k.",
  compute: runRewindGrid,
  steps: REWIND_GRID_STEPS,
  render,
};
