import { defineFigure, FigureResult } from "../figure";
import { check } from "../claims";
import { color, densityAxis, hline, spreadCaption } from "../plot-helpers";
import { BatchGridConfig, BatchGridData, BatchResult, RoundPair } from "../protocols/batch-grid";
import { BATCH_GRID_STEPS, runBatchGrid } from "../protocols/batch-grid";
import { BATCH_GRID, BATCH_GRID_NOTES } from "../settings/lenet-fashion-batch";
import { STABILITY_THRESHOLD } from "../../lmc/barrier";
import { nominalDensity } from "../../prune/imp";
import { MeanStd, meanPm, meanStd, plural } from "../../util/stats";

const rounds = (c: BatchGridConfig) => Array.from({ length: c.maxLevel }, (_, l) => l);
const at = (b: BatchResult, level: number, value: (p: RoundPair) => number): MeanStd => meanStd(b.rounds.filter((p) => p.level === level).map(value));
/** Mean over every round pair of a batch size (each pair first averaged over initialisations). */
const overRounds = (c: BatchGridConfig, b: BatchResult, value: (p: RoundPair) => number) => meanStd(rounds(c).map((l) => at(b, l, value).mean));

function render(c: BatchGridConfig, r: BatchGridData): FigureResult {
  const x = rounds(c).map((l) => 100 * nominalDensity(c.fraction, l + 1));
  const axis = densityAxis("density of round L+1 (%, log scale)", x);
  const plot = (id: string, title: string, value: (p: RoundPair) => number, scale: number, yTitle: string, shapes: unknown[], extra: string) => ({
    id,
    title,
    data: r.batches.map((b, i) => {
      const s = rounds(c).map((l) => at(b, l, value));
      return { x, y: s.map((v) => scale * v.mean), error_y: { type: "data", array: s.map((v) => scale * v.std), visible: true }, name: `batch ${b.batchSize}`, mode: "lines+markers", line: { color: color(i) }, type: "scatter" };
    }),
    layout: { xaxis: axis, yaxis: { title: { text: yTitle }, rangemode: "tozero" }, shapes },
    caption: spreadCaption("initialisations", c.initSeeds.length, extra),
  });
  const angularPlot = plot("angular-distance", "Angular distance between successive IMP rounds' solutions (k = 0), per batch size", (p) => p.angular, 1, "2 * angle / pi over round L+1's weights", [], "0: the same direction; 1: orthogonal.");
  const barrierPlot = plot("barrier", "Error barrier between successive IMP rounds' solutions (k = 0), per batch size", (p) => p.barrier, 100, "test barrier (pp)", [hline(100 * STABILITY_THRESHOLD, "2 pp threshold")], "Under round L+1's mask. Dashed line: the 2 pp threshold.");
  const table = {
    id: "rounds",
    title: "Successive IMP rounds (reset to initialisation): how far apart their solutions end",
    columns: ["batch", "rounds", "density of L+1 (%)", "angular distance", "test barrier (pp)"],
    rows: r.batches.flatMap((b) => rounds(c).map((l) => [b.batchSize, `${l} -> ${l + 1}`, (100 * nominalDensity(c.fraction, l + 1)).toFixed(1), meanPm(at(b, l, (p) => p.angular), c.initSeeds.length, 1, 3), meanPm(at(b, l, (p) => p.barrier), c.initSeeds.length)])),
    note: `a ± b: mean ± one sample standard deviation over ${plural(c.initSeeds.length, "initialisation")}. Round 0 is the dense network. Angular distance: 2 * angle / pi between the two solutions over the weights round L+1 keeps.`,
  };
  const [small, large] = [r.batches[0], r.batches[r.batches.length - 1]];
  const summary = (b: BatchResult) => `batch ${b.batchSize}: angular ${meanPm(overRounds(c, b, (p) => p.angular), c.maxLevel, 1, 3)}, barrier ${meanPm(overRounds(c, b, (p) => p.barrier), c.maxLevel)} pp`;
  const compare = (id: string, value: (p: RoundPair) => number, what: string) => {
    if (r.batches.length < 2) return check(id, "not tested", "one batch size only.");
    const [s, l] = [overRounds(c, small, value), overRounds(c, large, value)];
    const perRound = rounds(c).filter((k) => at(large, k, value).mean < at(small, k, value).mean).length;
    // The round pairs as replicates: a difference within two standard errors of it is borderline.
    const noise = (2 * Math.hypot(s.std, l.std)) / Math.sqrt(c.maxLevel);
    const verdict = Math.abs(l.mean - s.mean) <= noise ? "borderline" : l.mean < s.mean ? "agrees" : "differs";
    return check(id, verdict, `mean ${what} over the ${c.maxLevel} round pairs: ${summary(small)} -> ${summary(large)}; lower at batch ${large.batchSize} for ${perRound} of ${c.maxLevel} round pairs${verdict === "borderline" ? " (borderline: the difference is within two standard errors)" : ""}.`);
  };
  const checks = [compare("closer-with-batch", (p) => p.angular, "angular distance"), compare("barrier-falls-with-batch", (p) => p.barrier, "barrier")];
  const findings = r.batches.map((b) => `${summary(b)} (mean over the ${c.maxLevel} round pairs ± std across them).`);
  return { plots: [angularPlot, barrierPlot], tables: [table], findings, checks };
}

export const batchRounds = defineFigure<BatchGridConfig, BatchGridData>({
  id: "maene/successive-rounds",
  title: "Successive IMP rounds under small- and large-batch training: angular distance and barrier (LeNet-300-100, Fashion-MNIST, SGD 0.1)",
  source: "Maene, Li, Moens 2021, Towards Understanding Iterative Magnitude Pruning: Why Lottery Tickets Win, Fig. 8 and the angular distances",
  claim:
    "Under stable (large-batch) training, successive IMP rounds reset to initialisation retrain to nearby solutions: the angular distance between rounds' solutions is smaller and the barrier between them lower than with small batches, so each round starts in the region the previous one found.",
  claims: [
    { id: "closer-with-batch", text: "Successive IMP rounds' solutions are closer (smaller angular distance on their shared weights) with a larger batch." },
    { id: "barrier-falls-with-batch", text: "The error barrier between successive rounds' solutions is lower with a larger batch." },
  ],
  method:
    "The runs of maene/tickets-vs-batch. For every pair of successive IMP rounds L and L+1 (round 0: the dense network) and each batch size: the angular distance 2 * angle / pi between the two trained solutions over the weights round L+1 keeps, and the test error barrier on the linear path between them under round L+1's mask.",
  presetNotes: BATCH_GRID_NOTES,
  presets: BATCH_GRID,
  compute: runBatchGrid,
  steps: BATCH_GRID_STEPS,
  render,
});
