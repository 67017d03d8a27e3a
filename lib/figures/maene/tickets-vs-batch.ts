import { defineFigure, FigureResult } from "../figure";
import { ClaimCheck, STABILITY, check, combine, thresholdCheck } from "../claims";
import { thresholdSide } from "../../lmc/stability";
import { color, densityAxis, errorBars, hline, spreadCaption } from "../plot-helpers";
import { BATCH_GRID_STEPS, BatchGridConfig, BatchGridData, BatchResult, runBatchGrid } from "../protocols/batch-grid";
import { BATCH_GRID, BATCH_GRID_NOTES } from "../settings/lenet-fashion-batch";
import { MatchingVerdict, marginText, matchingLabel, matchingVerdict } from "../../lottery/matching";
import { STABILITY_THRESHOLD } from "../../lmc/barrier";
import { nominalDensity } from "../../prune/imp";
import { MeanStd, meanPm, meanStd, plural } from "../../util/stats";

interface Level {
  batchSize: number;
  level: number;
  density: number;
  n: number;
  imp: MeanStd;
  reinit: MeanStd;
  impMatch: MatchingVerdict;
  reinitMatch: MatchingVerdict;
  /** IMP minus reinit accuracy, and two standard errors of that difference. */
  gap: { margin: number; noise: number };
}

function levelsOf(c: BatchGridConfig, b: BatchResult): Level[] {
  const dense = meanStd(b.denseErrors.map((e) => 1 - e));
  return c.levels.map((level) => {
    const cells = b.levels.filter((x) => x.level === level);
    const imp = meanStd(cells.map((x) => 1 - x.impError));
    const reinit = meanStd(cells.map((x) => 1 - x.reinitError));
    const n = cells.length;
    // As for matching: one run varies at least as much as one dense run does.
    const spread = (s: MeanStd) => Math.max(n > 1 ? s.std : 0, dense.std);
    const noise = Math.max(2 * Math.sqrt((spread(imp) ** 2 + spread(reinit) ** 2) / Math.max(n, 1)), 0.001);
    return {
      batchSize: b.batchSize,
      level,
      density: cells[0].density,
      n,
      imp,
      reinit,
      impMatch: matchingVerdict(imp, n, dense, b.denseErrors.length, c.matchingTolerance),
      reinitMatch: matchingVerdict(reinit, n, dense, b.denseErrors.length, c.matchingTolerance),
      gap: { margin: imp.mean - reinit.mean, noise },
    };
  });
}

const denseInstabilityOf = (b: BatchResult) => ({
  value: meanStd(b.denseInstability.map((x) => x.barrier)),
  weighted: meanStd(b.denseInstability.map((x) => x.linearBarrier)),
  n: b.denseInstability.length,
});

/** "stable", "unstable", "stable (borderline)": the figure's one rule (thresholdSide with STABILITY) for every table and claim. */
function stabilityLabel(value: MeanStd, n: number): string {
  const side = thresholdSide(value, n, STABILITY.threshold, STABILITY.minBand);
  return `${side.below ? "yes" : "no"}${side.borderline ? " (borderline)" : ""}`;
}

const instabilityAt = (b: BatchResult, level: number) => {
  const barriers = b.instability.filter((x) => x.level === level).flatMap((x) => x.barriers);
  return { value: meanStd(barriers), n: barriers.length };
};

function render(c: BatchGridConfig, r: BatchGridData): FigureResult {
  const all = r.batches.flatMap((b) => levelsOf(c, b));
  const x = c.levels.map((l) => 100 * all.find((a) => a.level === l)!.density);
  const accuracyPlot = {
    id: "accuracy-vs-density",
    title: "Test accuracy vs density: IMP reset to initialisation (solid) and random reinitialisation (dotted), per batch size",
    data: r.batches.flatMap((b, i) => {
      const ls = all.filter((a) => a.batchSize === b.batchSize);
      const trace = (name: string, s: MeanStd[], dash: string) => ({ ...errorBars(name, x, s.map((v) => 100 * v.mean), s.map((v) => 100 * v.std), i), line: { color: color(i), dash } });
      return [trace(`IMP k = 0, batch ${b.batchSize}`, ls.map((l) => l.imp), "solid"), trace(`random reinit, batch ${b.batchSize}`, ls.map((l) => l.reinit), "dot")];
    }),
    layout: { xaxis: densityAxis("density of fc1/fc2 (%, log scale)", x), yaxis: { title: { text: "test accuracy (%)" } } },
    caption: spreadCaption("initialisations", c.initSeeds.length, "Each batch size trains the same number of epochs at the same learning rate."),
  };
  const instabilityPlot = {
    id: "instability-vs-batch",
    title: "Instability of IMP subnetworks (k = 0) vs batch size, at chosen rounds",
    data: c.instabilityLevels.map((level, i) => {
      const s = r.batches.map((b) => instabilityAt(b, level).value);
      const density = (100 * nominalDensity(c.fraction, level)).toFixed(1);
      return errorBars(`round ${level} (${density} %)`, r.batches.map((b) => String(b.batchSize)), s.map((v) => 100 * v.mean), s.map((v) => 100 * v.std), i);
    }),
    layout: { xaxis: { title: { text: "batch size" }, type: "category" }, yaxis: { title: { text: "test instability (pp)" }, rangemode: "tozero" }, shapes: [hline(100 * STABILITY_THRESHOLD, "stability threshold: stable below 2 pp")] },
    caption: spreadCaption(`pairs of copies (${c.pairs} per initialisation)`, c.initSeeds.length * c.pairs, "Dashed line: the 2 pp stability threshold."),
  };
  const table = {
    id: "tickets",
    title: "IMP reset to initialisation against random reinitialisation, per batch size and round",
    columns: ["batch", "steps", "dense accuracy (%)", "round", "density (%)", "IMP k = 0 (%)", "IMP matching (margin, pp)", "random reinit (%)", "reinit matching (margin, pp)", "IMP - reinit (pp)"],
    rows: all.map((l) => {
      const b = r.batches.find((x) => x.batchSize === l.batchSize)!;
      return [l.batchSize, b.steps, meanPm(meanStd(b.denseErrors.map((e) => 1 - e)), b.denseErrors.length), l.level, (100 * l.density).toFixed(1), meanPm(l.imp, l.n), `${matchingLabel(l.impMatch)} (${marginText(l.impMatch)})`, meanPm(l.reinit, l.n), `${matchingLabel(l.reinitMatch)} (${marginText(l.reinitMatch)})`, marginText(l.gap)];
    }),
    note: `a ± b: mean ± one sample standard deviation over ${plural(c.initSeeds.length, "initialisation")} (dense: over ${plural(c.initSeeds.length * c.referenceDataSeeds.length, "dense run")} of that batch size). Matching: at least the dense mean minus one dense std; margins ± two standard errors; borderline: within that noise or 0.1 pp.`,
  };
  const instabilityTable = {
    id: "instability",
    title: "Instability of IMP subnetworks (k = 0) per batch size and round",
    columns: ["batch", "round", "density (%)", "test instability (pp)", "stable (< 2 pp)"],
    rows: r.batches.flatMap((b) =>
      c.instabilityLevels.map((level) => {
        const s = instabilityAt(b, level);
        return [b.batchSize, level, (100 * nominalDensity(c.fraction, level)).toFixed(1), meanPm(s.value, s.n), stabilityLabel(s.value, s.n)];
      }),
    ),
    note: "a ± b: mean ± one sample standard deviation over the pairs of copies. Stable: below 2 pp; borderline when 2 pp lies within one std of the mean (or 0.2 pp).",
  };
  // Data computed before the dense instability was measured has none: the premise is then not tested.
  const measuredDense = r.batches.every((b) => b.denseInstability?.length);
  const denseTable = {
    id: "dense-instability",
    title: "The dense network's instability at k = 0 per batch size (the premise: does a larger batch stabilise training?)",
    columns: ["batch", "steps", "pairs", "test instability (pp)", "alpha-weighted barrier (pp)", "stable (< 2 pp)"],
    rows: r.batches.filter(() => measuredDense).map((b) => {
      const d = denseInstabilityOf(b);
      return [b.batchSize, b.steps, d.n, meanPm(d.value, d.n), meanPm(d.weighted, d.n), stabilityLabel(d.value, d.n)];
    }),
    note: "Copies of each initialisation's dense network branched at step 0 with different data orders. Test instability: the largest error on the path minus the mean of the endpoints' errors (the LMC paper's); alpha-weighted: the largest error above the straight line between the endpoints. Same stability rule as the IMP table.",
  };
  const [small, large] = [r.batches[0], r.batches[r.batches.length - 1]];
  const sparsest = Math.max(...c.levels);
  const at = (b: BatchResult, level: number) => all.find((l) => l.batchSize === b.batchSize && l.level === level)!;
  const gapText = (l: Level) => `batch ${l.batchSize}, ${(100 * l.density).toFixed(1)} %: IMP ${meanPm(l.imp, l.n)} % vs reinit ${meanPm(l.reinit, l.n)} % (IMP - reinit ${marginText(l.gap)} pp)`;
  const noBetter = (l: Level): ClaimCheck => check("small-batch-no-better", Math.abs(l.gap.margin) <= l.gap.noise ? "agrees" : l.gap.margin < 0 ? "agrees" : "differs", `${gapText(l)}${Math.abs(l.gap.margin) <= l.gap.noise ? ", within the noise" : ""}.`);
  const ticket = (): ClaimCheck => {
    const found = all.filter((l) => l.batchSize === large.batchSize && l.impMatch.matching && !l.impMatch.borderline && !l.reinitMatch.matching && !l.reinitMatch.borderline);
    const close = all.filter((l) => l.batchSize === large.batchSize && l.impMatch.matching && !l.reinitMatch.matching && (l.impMatch.borderline || l.reinitMatch.borderline));
    const lines = all.filter((l) => l.batchSize === large.batchSize).map((l) => `${(100 * l.density).toFixed(1)} %: IMP ${matchingLabel(l.impMatch)} (${marginText(l.impMatch)} pp), reinit ${matchingLabel(l.reinitMatch)} (${marginText(l.reinitMatch)} pp)`);
    return check("large-batch-ticket", found.length ? "agrees" : close.length ? "borderline" : "differs", `batch ${large.batchSize}: ${lines.join("; ")}.`);
  };
  const stableAtLarge = combine(
    "stable-at-large-batch",
    c.instabilityLevels.map((level) => {
      const s = instabilityAt(large, level);
      return thresholdCheck("stable-at-large-batch", `batch ${large.batchSize}, round ${level}: instability`, s.value, s.n, STABILITY, true);
    }),
  );
  // A fall within one std of either end (or 0.2 pp) is noise, not a fall.
  const falls = c.instabilityLevels.map((level) => {
    const [s, l] = [instabilityAt(small, level).value, instabilityAt(large, level).value];
    return { level, small: s.mean, large: l.mean, withinNoise: Math.abs(s.mean - l.mean) <= Math.max(s.std, l.std, STABILITY.minBand) };
  });
  const densePremise = (b: BatchResult, expectBelow: boolean) => {
    const d = denseInstabilityOf(b);
    return thresholdCheck("large-batch-stabilises", `dense network at batch ${b.batchSize}, k = 0: instability`, d.value, d.n, STABILITY, expectBelow);
  };
  const checks = [
    !measuredDense
      ? check("large-batch-stabilises", "not tested", "this data has no dense instability (computed before it was measured); recompute the figure.")
      : r.batches.length > 1
        ? combine("large-batch-stabilises", [densePremise(small, false), densePremise(large, true)])
        : check("large-batch-stabilises", "not tested", "one batch size only."),
    r.batches.length > 1 ? noBetter(at(small, sparsest)) : check("small-batch-no-better", "not tested", "one batch size only."),
    r.batches.length > 1 ? ticket() : check("large-batch-ticket", "not tested", "one batch size only."),
    check(
      "instability-falls",
      r.batches.length < 2 ? "not tested" : falls.some((f) => !f.withinNoise && f.large > f.small) ? "differs" : falls.some((f) => f.withinNoise) ? "borderline" : "agrees",
      falls.map((f) => `round ${f.level}: ${(100 * f.small).toFixed(2)} pp at batch ${small.batchSize} -> ${(100 * f.large).toFixed(2)} pp at batch ${large.batchSize}${f.withinNoise ? " (within the noise)" : ""}`).join("; ") + ".",
    ),
    stableAtLarge,
  ];
  const [smallSparse, largeSparse] = [at(small, sparsest), at(large, sparsest)];
  const smallDense = meanStd(small.denseErrors.map((e) => 1 - e));
  const pp = (x: number) => `${(100 * Math.abs(x)).toFixed(2)} pp`;
  const gapDriver =
    r.batches.length > 1
      ? `What moves the IMP - reinit gap, batch ${small.batchSize} -> ${large.batchSize} at ${(100 * smallSparse.density).toFixed(1)} %: random reinitialisation ${smallSparse.reinit.mean >= largeSparse.reinit.mean ? "loses" : "gains"} ${pp(smallSparse.reinit.mean - largeSparse.reinit.mean)} and IMP ${smallSparse.imp.mean >= largeSparse.imp.mean ? "loses" : "gains"} ${pp(smallSparse.imp.mean - largeSparse.imp.mean)}, so the gap changes by ${marginText({ margin: largeSparse.gap.margin - smallSparse.gap.margin, noise: Math.hypot(largeSparse.gap.noise, smallSparse.gap.noise) })} pp; IMP at batch ${large.batchSize} (${meanPm(largeSparse.imp, largeSparse.n)} %) is ${largeSparse.imp.mean >= smallDense.mean ? "above" : "below"} the batch-${small.batchSize} dense network (${meanPm(smallDense, small.denseErrors.length)} %).`
      : null;
  const findings = [
    ...r.batches.filter(() => measuredDense).map((b) => {
      const d = denseInstabilityOf(b);
      return `Batch ${b.batchSize}: dense instability at k = 0 ${meanPm(d.value, d.n)} pp (alpha-weighted barrier ${meanPm(d.weighted, d.n)} pp), stable: ${stabilityLabel(d.value, d.n)}.`;
    }),
    ...(gapDriver ? [gapDriver] : []),
    ...r.batches.map((b) => `Batch ${b.batchSize} (${b.steps} steps): dense ${meanPm(meanStd(b.denseErrors.map((e) => 1 - e)), b.denseErrors.length)} %; ${levelsOf(c, b).map((l) => `${(100 * l.density).toFixed(1)} %: IMP ${(100 * l.imp.mean).toFixed(2)} vs reinit ${(100 * l.reinit.mean).toFixed(2)}`).join(", ")}.`),
    ...r.batches.map((b) => `Batch ${b.batchSize}: IMP instability ${c.instabilityLevels.map((level) => `round ${level} ${meanPm(instabilityAt(b, level).value, instabilityAt(b, level).n)} pp`).join(", ")}.`),
  ];
  return { plots: [accuracyPlot, instabilityPlot], tables: [...(measuredDense ? [denseTable] : []), table, instabilityTable], findings, checks };
}

export const batchTickets = defineFigure<BatchGridConfig, BatchGridData>({
  id: "maene/tickets-vs-batch",
  title: "Tickets at initialisation vs batch size, with the dense instability at k = 0 measured per batch (LeNet-300-100, Fashion-MNIST, SGD 0.1)",
  source: "Maene, Li, Moens 2021, Towards Understanding Iterative Magnitude Pruning: Why Lottery Tickets Win, Figs. 1-2",
  claim:
    "With small batches, IMP reset to initialisation (k = 0) is no better than random reinitialisation; training made stable by a larger batch (same epochs) lets IMP at k = 0 find matching tickets, and the instability of IMP subnetworks falls as the batch grows.",
  claims: [
    { id: "large-batch-stabilises", text: "The premise: training at the smallest batch is unstable at initialisation and a larger batch (same epochs, same rate) makes it stable: the dense network's instability at k = 0 is above 2 pp at the smallest batch and below it at the largest." },
    { id: "small-batch-no-better", text: "At the smallest batch, IMP reset to initialisation is no better than random reinitialisation at high sparsity." },
    { id: "large-batch-ticket", text: "At the largest batch, IMP reset to initialisation finds matching tickets: matching at a sparsity where random reinitialisation is not." },
    { id: "instability-falls", text: "The instability of IMP subnetworks (rewound to k = 0) falls as the batch size grows." },
    { id: "stable-at-large-batch", text: "At the largest batch, IMP subnetworks at k = 0 are stable (below 2 pp)." },
  ],
  method:
    "For each batch size, train the dense network for the same number of epochs at the same learning rate (steps and rate drops scaled by 1 / batch) and measure its instability at k = 0 (pairs of copies from W0 with different data orders), run IMP reset to initialisation (k = 0) for several rounds, and train a random reinitialisation of each round's mask. Report both accuracies per round against that batch size's dense accuracy (matching: within one std of it), and the instability (two copies with different data orders, error barrier) of IMP subnetworks at chosen rounds.",
  presetNotes: BATCH_GRID_NOTES,
  presets: BATCH_GRID,
  compute: runBatchGrid,
  steps: BATCH_GRID_STEPS,
  render,
});
