import { method, defineFigure, FigureResult } from "../figure";
import { check, ClaimCheck, Verdict } from "../claims";
import { thresholdSide } from "../../lmc/stability";
import { color } from "../plot-helpers";
import { GreedySetup, SelectionSpec, CheckpointMeasurement, MethodPoint, measureCheckpoint, pretrain, pretrainRun } from "../../greedy/experiment";
import { SubnetworkMetrics } from "../../greedy/evaluate";
import { meanPm, meanStd, MeanStd } from "../../util/stats";
import { geometricSteps } from "../../greedy/checkpoints";
import { at, linearFit, SETUP_METHOD, spec } from "./common";
import { greedySetup } from "../settings/mean-field-mnist";
import { UserError } from "../../util/errors";

/** Subnetwork loss vs its size n at one checkpoint: the O(1/n) rate of GFS. */
export interface GreedyRateConfig {
  setup: GreedySetup;
  size: number;
  /** The checkpoint (null: the end of pre-training). */
  step: number | null;
  spec: SelectionSpec;
  /** The rate is fitted over n >= this. */
  fitFrom: number;
}

export interface GreedyRateData {
  step: number;
  measurement: CheckpointMeasurement;
}

/** The checkpoint measured (the end of pre-training unless the config names one). */
function checkpointOf(c: GreedyRateConfig): number {
  const step = c.step ?? c.setup.train.steps;
  const steps = geometricSteps(c.setup.train.steps);
  if (!steps.includes(step)) throw new UserError(`step ${step} is not a pre-training checkpoint; choose one of: ${steps.join(", ")}.`);
  return step;
}

/** The figure in steps (the notebook's cells; `compute` runs them in one go). */
export const GREEDY_RATE = method<GreedyRateConfig>()
  .step(
    "pretrain",
    "Pre-train the mean-field network by SGD on the first `size` training examples, saving checkpoints at iterations 0, 1, 2, 4, ..., T.",
    async (c) => {
      checkpointOf(c);
      return pretrain(c.setup, [c.size], geometricSteps(c.setup.train.steps));
    },
  )
  .step(
    "select",
    "At the chosen checkpoint: greedy forward selection to the target size n, magnitude pruning and random selection at every evaluation size, and the dense network, each measured by its loss on the selection examples and on the test set (cached).",
    async (c): Promise<GreedyRateData> => {
      const step = checkpointOf(c);
      return { step, measurement: await measureCheckpoint(c.setup, pretrainRun(c.setup, c.size), step, c.spec) };
    },
  );

export const GREEDY_RATE_STEPS = GREEDY_RATE.steps;

const compute: (c: GreedyRateConfig) => Promise<GreedyRateData> = GREEDY_RATE.compute;

/** Log-log slope of (loss - reference) vs n over the points with n >= from and a positive gap. */
export function gapSlope(ns: number[], losses: number[], reference: number, from: number) {
  const pts = ns.map((n, i) => ({ n, gap: losses[i] - reference })).filter((p) => p.n >= from && p.gap > 0);
  if (pts.length < 3) return null;
  return { ...linearFit(pts.map((p) => Math.log(p.n)), pts.map((p) => Math.log(p.gap))), points: pts.length, from: pts[0].n, to: pts[pts.length - 1].n };
}

/**
 * The O(1/n) bound read directly: g(n) = n * max(gap, 0) at the doubling sizes >= from, split at their
 * geometric middle; under O(1/n) g stays bounded (late max <= early max), under O(1/sqrt n) it grows like sqrt n.
 */
export function boundedGrowth(ns: number[], losses: number[], reference: number, from: number) {
  const pts = ns.map((n, i) => ({ n, g: n * Math.max(losses[i] - reference, 0) })).filter((p) => p.n >= from);
  if (pts.length < 2) return null;
  const middle = Math.sqrt(pts[0].n * pts[pts.length - 1].n);
  const early = Math.max(...pts.filter((p) => p.n < middle).map((p) => p.g));
  const late = Math.max(...pts.filter((p) => p.n >= middle).map((p) => p.g));
  return { early, late, ratio: early > 0 ? late / early : late > 0 ? Infinity : 0, middle, pts };
}

/** Below this (nats) two losses are never told apart, whatever the spread of the random seeds. */
export const RATE_MIN_BAND = 0.005;

/** One loss (in-sample, held-out or test) of every method at the evaluation sizes, and the dense network's. */
export interface RateSeries {
  /** The evaluation sizes n. */
  ns: number[];
  gfs: number[];
  /** random[s][i]: random seed s at ns[i]. */
  random: number[][];
  magnitude: number[];
  /** The dense network's loss on the same examples. */
  reference: number;
}

/** GFS vs random selection at one size: margin = random mean − GFS; firm when beyond one random-seed std (and RATE_MIN_BAND) with >= 2 seeds. */
export interface RateComparison {
  n: number;
  gfs: number;
  random: MeanStd;
  margin: number;
  gfsLower: boolean;
  /** Beyond one random-seed std and RATE_MIN_BAND (with one seed: the band alone). */
  clear: boolean;
  /** Clear, with >= 2 random seeds (so the spread is measured). */
  firm: boolean;
}

export interface RateAnalysis {
  gfs: ReturnType<typeof boundedGrowth>;
  random: ReturnType<typeof boundedGrowth>;
  magnitude: ReturnType<typeof boundedGrowth>;
  slopes: { gfs: ReturnType<typeof gapSlope>; random: ReturnType<typeof gapSlope>; magnitude: ReturnType<typeof gapSlope> };
  comparisons: RateComparison[];
  seeds: number;
}

/** Every method's rate fitted the same way (n x gap bounded; log-log slope), and GFS vs random at every n >= fitFrom. */
export function analyseRate(s: RateSeries, fitFrom: number, minBand = RATE_MIN_BAND): RateAnalysis {
  const randomStats = s.ns.map((_, i) => meanStd(s.random.map((r) => r[i])));
  const randomMeans = randomStats.map((x) => x.mean);
  const seeds = s.random.length;
  const comparisons = s.ns
    .map((n, i) => ({ n, i }))
    .filter((p) => p.n >= fitFrom)
    .map(({ n, i }) => {
      const side = thresholdSide(randomStats[i], seeds, s.gfs[i], minBand); // below: random's mean is below GFS's loss
      return { n, gfs: s.gfs[i], random: randomStats[i], margin: side.margin, gfsLower: side.margin > 0, clear: !side.borderline, firm: seeds >= 2 && !side.borderline };
    });
  return {
    gfs: boundedGrowth(s.ns, s.gfs, s.reference, fitFrom),
    random: boundedGrowth(s.ns, randomMeans, s.reference, fitFrom),
    magnitude: boundedGrowth(s.ns, s.magnitude, s.reference, fitFrom),
    slopes: { gfs: gapSlope(s.ns, s.gfs, s.reference, fitFrom), random: gapSlope(s.ns, randomMeans, s.reference, fitFrom), magnitude: gapSlope(s.ns, s.magnitude, s.reference, fitFrom) },
    comparisons,
    seeds,
  };
}

/** O(1/n) read as n x gap bounded: agrees up to a late/early ratio of 1, borderline up to 1.5, differs beyond. */
export function growthVerdict(g: NonNullable<ReturnType<typeof boundedGrowth>>): Verdict {
  return g.ratio <= 1 ? "agrees" : g.ratio <= 1.5 ? "borderline" : "differs";
}

function growthText(g: ReturnType<typeof boundedGrowth>, fitFrom: number): string {
  return g ? `max of n x gap ${g.early.toFixed(3)} for ${fitFrom} <= n < ${g.middle.toFixed(0)}, ${g.late.toFixed(3)} for n >= ${g.middle.toFixed(0)} (ratio ${g.ratio.toFixed(2)})` : "not measured";
}

function slopeText(f: ReturnType<typeof gapSlope>): string {
  return f ? `${f.slope.toFixed(2)} (n = ${f.from}..${f.to}, R² ${f.r2.toFixed(2)})` : "not fitted (fewer than 3 positive gaps)";
}

const sizes = (xs: RateComparison[]) => xs.map((x) => x.n).join(", ");

/**
 * The O(1/n) claim judged on a loss the selection did not see (`what` names it), and only where it sets GFS
 * apart from random selection of n neurons, which also approaches the dense loss as n grows:
 * - not tested: fewer than two sizes >= fitFrom;
 * - differs: GFS's n x gap grows (ratio > 1.5), or random selection's mean loss is below GFS's beyond noise at some n;
 * - otherwise GFS's own rate verdict (agrees, or borderline for a ratio in (1, 1.5]) when something distinguishes
 *   it: GFS's loss is below random's beyond noise at every n >= fitFrom (>= 2 random seeds), or random's
 *   n x gap grows (ratio > 1.5) while GFS's stays bounded (ratio <= 1);
 * - borderline when GFS is lower at every n but not beyond noise everywhere, when random's rate is slower
 *   while GFS's is itself borderline, or when either distinction rests on one random seed (its spread unknown);
 * - not tested when random selection fits 1/n as well and GFS is not lower: nothing here tells them apart.
 */
export function rateCheck(a: RateAnalysis, fitFrom: number, what: string): ClaimCheck {
  const id = "rate-1-over-n";
  if (!a.gfs || !a.random || a.comparisons.length < 2) return check(id, "not tested", `fewer than two sizes >= ${fitFrom} were measured on ${what}.`);
  const own = growthVerdict(a.gfs);
  const randomFits = a.random.ratio <= 1.5;
  const firmLower = a.comparisons.filter((x) => x.gfsLower && x.firm);
  const firmHigher = a.comparisons.filter((x) => !x.gfsLower && x.firm);
  const byLevel = a.comparisons.every((x) => x.gfsLower && x.clear); // firm as well when seeds >= 2
  const byRate = !randomFits && own === "agrees";
  const meanLower = a.comparisons.every((x) => x.gfsLower);
  const noise = a.seeds >= 2 ? `beyond noise: more than 1 std of ${a.seeds} random seeds and ${RATE_MIN_BAND} nats` : `1 random seed, so its spread is not measured and no difference is firm`;
  const versus = `GFS below random's mean at n = ${sizes(a.comparisons.filter((x) => x.gfsLower)) || "none"} (${noise}: at ${sizes(firmLower) || "none"}); random below GFS at ${sizes(a.comparisons.filter((x) => !x.gfsLower)) || "none"}${firmHigher.length ? ` (beyond noise at ${sizes(firmHigher)})` : ""}`;
  const rates = `n x (loss − dense loss) on ${what}: GFS ${growthText(a.gfs, fitFrom)}; random ${growthText(a.random, fitFrom)}${randomFits ? ", so random selection also fits O(1/n) here" : ""}; magnitude ${growthText(a.magnitude, fitFrom)}. Log-log slopes: GFS ${slopeText(a.slopes.gfs)}, random ${slopeText(a.slopes.random)}`;
  const evidence = (why: string) => `${why} ${rates}. ${versus}.`;
  if (own === "differs") return check(id, "differs", evidence(`GFS's n x gap grows (ratio ${a.gfs.ratio.toFixed(2)} > 1.5): not O(1/n) on ${what}.`));
  if (firmHigher.length) return check(id, "differs", evidence(`Random selection's loss is below GFS's beyond noise at n = ${sizes(firmHigher)}: GFS's rate does not set it apart from random selection.`));
  if ((byLevel || byRate) && a.seeds < 2)
    return check(id, "borderline", evidence(`GFS's n x gap ${own === "agrees" ? "stays bounded" : "is borderline"} and ${byLevel ? "its loss is below random selection's at every n" : `random selection's grows (ratio ${a.random.ratio.toFixed(2)})`}, but with one random seed random selection's spread is not measured, so this does not firmly set GFS apart.`));
  if (byLevel) return check(id, own, evidence(`GFS's loss is below random selection's beyond noise at every n >= ${fitFrom}${randomFits ? " (what distinguishes GFS is its lower loss, not the rate, which random selection shares)" : ""}, and its n x gap ${own === "agrees" ? "stays bounded" : "is borderline (ratio in (1, 1.5])"}.`));
  if (byRate) return check(id, own, evidence(`GFS's n x gap stays bounded while random selection's grows (ratio ${a.random.ratio.toFixed(2)} > 1.5): the rate distinguishes GFS.`));
  if (meanLower || (!randomFits && own === "borderline"))
    return check(id, "borderline", evidence(`GFS's loss is ${meanLower ? "below random selection's mean at every n, but not beyond noise everywhere" : "borderline O(1/n) while random's is slower"}: not clearly set apart from random selection.`));
  return check(id, "not tested", evidence(`Random selection also falls like 1/n here and GFS's loss is not below it beyond noise at every n: at this size nothing distinguishes GFS's rate from random selection's.`));
}

/** Where the held-out loss comes from: the held-out training examples, or (data measured before they were added) the test set. */
function heldOutSource(m: CheckpointMeasurement, c: GreedyRateConfig): { what: string; pick: (p: { heldOut?: SubnetworkMetrics; test: SubnetworkMetrics }) => number } {
  return m.dense.heldOut
    ? { what: `${m.heldOutCount ?? c.setup.heldOutExamples} held-out training examples, those after the first ${c.setup.selectionExamples}, which the selection never saw`, pick: (p) => p.heldOut!.loss }
    : { what: "the test set (these data have no held-out training examples)", pick: (p) => p.test.loss };
}

function series(m: CheckpointMeasurement, ns: number[], pick: (p: MethodPoint | CheckpointMeasurement["dense"]) => number): RateSeries {
  return { ns, gfs: ns.map((k) => pick(at(m.gfs.points, k))), random: m.random.map((pts) => ns.map((k) => pick(at(pts, k)))), magnitude: ns.map((k) => pick(at(m.magnitude, k))), reference: pick(m.dense) };
}

function render(c: GreedyRateConfig, d: GreedyRateData): FigureResult {
  const m = d.measurement;
  const ref = m.dense.trainLoss;
  const r = c.spec.randomSeeds.length;
  const ns = m.gfs.losses.map((_, i) => i + 1);
  const evalNs = c.spec.evalSizes;
  const held = heldOutSource(m, c);
  const inSample = series(m, evalNs, (p) => p.trainLoss);
  const heldOut = series(m, evalNs, held.pick);
  const test = series(m, evalNs, (p) => p.test.loss);
  const aIn = analyseRate(inSample, c.fitFrom);
  const aHeld = analyseRate(heldOut, c.fitFrom);
  const aTest = analyseRate(test, c.fitFrom);
  const gfsFit = gapSlope(ns, m.gfs.losses, ref, c.fitFrom);
  const below = ns.filter((k) => m.gfs.losses[k - 1] - ref <= 0);
  const gapTrace = (s: RateSeries, fit: ReturnType<typeof gapSlope> | null, gfsX: number[], gfsY: number[]) => [
    { x: gfsX, y: gfsY.map((v) => v - s.reference), name: "GFS", mode: gfsX.length > evalNs.length ? "lines" : "lines+markers", line: { color: color(0) }, type: "scatter" },
    { x: evalNs, y: s.magnitude.map((v) => v - s.reference), name: "magnitude", mode: "lines+markers", line: { color: color(1) }, type: "scatter" },
    {
      x: evalNs,
      y: evalNs.map((_, i) => meanStd(s.random.map((q) => q[i])).mean - s.reference),
      error_y: { type: "data", array: evalNs.map((_, i) => meanStd(s.random.map((q) => q[i])).std), visible: r > 1 },
      name: `random (${r} seeds)`,
      mode: "lines+markers",
      line: { color: color(2) },
      type: "scatter",
    },
    ...(fit ? [{ x: [fit.from, fit.to], y: [fit.from, fit.to].map((k) => Math.exp(fit.intercept) * k ** fit.slope), name: `GFS fit: slope ${fit.slope.toFixed(2)}`, mode: "lines", line: { color: color(0), dash: "dash" }, type: "scatter" }] : []),
    { x: [1, evalNs[evalNs.length - 1]], y: [gfsY[0] - s.reference, (gfsY[0] - s.reference) / evalNs[evalNs.length - 1]], name: "1/n reference", mode: "lines", line: { color: "#888", dash: "dot" }, type: "scatter" },
  ];
  const axes = (what: string) => ({ xaxis: { title: { text: "subnetwork size n (neurons, with multiplicity)" }, type: "log" }, yaxis: { title: { text: `${what} − dense network's` }, type: "log" } });
  const gapPlot = {
    id: "loss-gap-vs-n",
    title: `In-sample loss (the selection objective) above the dense network's vs subnetwork size n (iteration ${d.step}, ${c.size} examples)`,
    data: gapTrace(inSample, gfsFit, ns, m.gfs.losses),
    layout: axes("loss on the selection examples"),
    caption: `One pre-trained network; the loss on the ${c.setup.selectionExamples} selection examples, which GFS minimises (so it can fall below the dense network's); random: mean ± 1 std over ${r} seeds. On log-log axes a rate O(1/n) is a line of slope −1 (dotted). Negative gaps are not drawn.`,
  };
  const heldFit = aHeld.slopes.gfs;
  const heldPlot = {
    id: "heldout-gap-vs-n",
    title: `Held-out loss above the dense network's vs subnetwork size n: the loss the claim is judged on`,
    data: gapTrace(heldOut, heldFit, evalNs, heldOut.gfs),
    layout: axes("held-out loss"),
    caption: `Loss on ${held.what}; random: mean ± 1 std over ${r} seeds. Negative gaps are not drawn.`,
  };
  const rmean = (s: RateSeries, i: number) => meanStd(s.random.map((q) => q[i]));
  const table = {
    id: "rate",
    title: "Loss vs n: in-sample (the selection objective) and held-out",
    columns: ["n", "GFS in-sample", "GFS held-out", "magnitude held-out", "random held-out", "dense held-out", "n x (GFS − dense), held-out", "n x (random − dense), held-out", "GFS test", "random test"],
    rows: evalNs.map((k, i) => [
      k,
      inSample.gfs[i].toFixed(4),
      heldOut.gfs[i].toFixed(4),
      heldOut.magnitude[i].toFixed(4),
      meanPm(rmean(heldOut, i), r, 1, 4),
      heldOut.reference.toFixed(4),
      (k * (heldOut.gfs[i] - heldOut.reference)).toFixed(3),
      (k * (rmean(heldOut, i).mean - heldOut.reference)).toFixed(3),
      test.gfs[i].toFixed(4),
      meanPm(rmean(test, i), r, 1, 4),
    ]),
    note: `Cross-entropy. In-sample: the first ${c.setup.selectionExamples} training examples (the selection's objective; dense ${ref.toFixed(4)}). Held-out: ${held.what}. Random: mean ± 1 sample std over ${r} seeds. Under an O(1/n) rate the n x gap columns stay bounded; under O(1/√n) they grow like √n.`,
  };
  const claimCheck = rateCheck(aHeld, c.fitFrom, held.what);
  const inSampleCheck = rateCheck(aIn, c.fitFrom, "the selection examples");
  const testCheck = rateCheck(aTest, c.fitFrom, "the test set");
  const findings = [
    `Held-out loss, on ${held.what}: GFS ${growthText(aHeld.gfs, c.fitFrom)}; random ${growthText(aHeld.random, c.fitFrom)}; magnitude ${growthText(aHeld.magnitude, c.fitFrom)}.`,
    `In-sample loss (the selection objective, on the first ${c.setup.selectionExamples} examples): GFS ${growthText(aIn.gfs, c.fitFrom)}; random ${growthText(aIn.random, c.fitFrom)}; magnitude ${growthText(aIn.magnitude, c.fitFrom)}. Judged in-sample the same rule would say "${inSampleCheck.verdict}", on the test set "${testCheck.verdict}"; the claim is judged held-out.`,
    `Log-log slope of the in-sample gap vs n: GFS ${slopeText(gfsFit)} over every n; held-out: GFS ${slopeText(aHeld.slopes.gfs)}, magnitude ${slopeText(aHeld.slopes.magnitude)}, random ${slopeText(aHeld.slopes.random)}.`,
    below.length ? `GFS's in-sample loss falls below the dense network's (${ref.toFixed(4)}) from n = ${below[0]} (it optimises that loss directly, with replacement); held-out at n = ${evalNs[evalNs.length - 1]}: GFS ${heldOut.gfs[heldOut.gfs.length - 1].toFixed(4)}, dense ${heldOut.reference.toFixed(4)}.` : `GFS stays above the dense network's in-sample loss (${ref.toFixed(4)}) up to n = ${ns.length}: ${m.gfs.losses[ns.length - 1].toFixed(4)}.`,
    `Greedy step cost: ${(1000 * m.gfs.secondsPerStep).toFixed(1)} ms (N = ${c.setup.width}, m = ${c.setup.selectionExamples}).`,
  ];
  return { plots: [gapPlot, heldPlot], tables: [table], findings, checks: [claimCheck] };
}

export const greedyRate = defineFigure<GreedyRateConfig, GreedyRateData>({
  id: "gfs/size-rate",
  title: "GFS subnetwork loss vs its size n at a fixed checkpoint: the O(1/n) rate",
  source: "Wolfe et al. 2021 (How Much Pre-training Is Enough to Discover a Good Subnetwork?), whose bound inherits the O(1/n) rate of greedy forward selection (Ye et al. 2020)",
  claim: "The training loss of the subnetwork found by greedy forward selection approaches the (pre-trained) network's loss at a rate O(1/n) in the subnetwork size n.",
  claims: [
    {
      id: "rate-1-over-n",
      text: "The GFS subnetwork's training loss exceeds the dense network's by O(1/n). Checked on held-out training examples (not the selection's own), and only where it sets GFS apart from random selection of n neurons, which also approaches the dense loss as n grows.",
    },
  ],
  method:
    SETUP_METHOD +
    " At one checkpoint (the end of pre-training), GFS runs to a large n; the trajectory gives the loss of the subnetwork of every size 1..n, compared with magnitude pruning and random selection at doubling sizes. Every method's rate is fitted the same way, on each of the three losses: O(1/n) is read as n × (loss − dense loss) staying bounded over n ≥ fitFrom (the maximum over the upper half of the sizes, on a log scale, at most that over the lower half: ratio ≤ 1 agrees, ≤ 1.5 borderline), with the log-log slope of the gap beside it. A rate check that random selection also passes says nothing about GFS, so the claim is judged on the held-out loss and only by what distinguishes GFS from random selection: it *agrees* only when GFS's held-out n × gap stays bounded and either its held-out loss is below random selection's beyond noise (more than one sample std over the random seeds, and " +
    RATE_MIN_BAND +
    " nats) at every n ≥ fitFrom, or random's n × gap grows while GFS's stays bounded; it *differs* when GFS's grows or random selection is lower than GFS beyond noise at some n; it is *not tested* when random selection fits 1/n as well and GFS is not lower; *borderline* in between (e.g. one random seed, whose spread is unknown). The in-sample (selection objective) and test-set results are reported with the same rule beside it.",
  presetNotes: {
    quick: "Smoke size: N = 256, 8,000 examples, 64 SGD steps, m = 200, 1,000 held-out training examples, n up to 32, one random seed (so no GFS-vs-random difference is firm). Not a result.",
    cpu: "N = 1,000, all 60,000 MNIST training examples, 2,048 SGD steps (the networks of gfs/baselines), the last checkpoint, n up to 512, m = 500 selection examples, the next 5,000 training examples held out, 3 random seeds; fit over n ≥ 8.",
    paper: "N = 10,000, 16,384 SGD steps, n up to 2,048, m = 5,000, 10,000 held-out training examples.",
  },
  presets: {
    quick: { setup: greedySetup(256, 64, 200, 2000, 1000), size: 8000, step: null, spec: spec(32, [1]), fitFrom: 4 },
    cpu: { setup: greedySetup(1000, 2048, 500, null, 5000), size: 60000, step: null, spec: spec(512), fitFrom: 8 },
    paper: { setup: greedySetup(10000, 16384, 5000, null, 10000), size: 60000, step: null, spec: spec(2048), fitFrom: 8 },
  },
  compute,
  steps: GREEDY_RATE_STEPS,
  render,
});
