import { FigureStep, computeBySteps, defineFigure, FigureResult } from "./figure";
import { check } from "./claims";
import { color } from "./plot-helpers";
import { GreedySetup, SelectionSpec, CheckpointMeasurement, measureCheckpoint, pretrain, pretrainRun } from "../greedy/experiment";
import { RunSummary } from "../store/runs";
import { geometricSteps } from "../greedy/checkpoints";
import { at, greedySetup, linearFit, randomAt, SETUP_METHOD, spec } from "./greedy-presets";
import { UserError } from "../util/errors";

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
export const GREEDY_RATE_STEPS: FigureStep<GreedyRateConfig>[] = [
  {
    id: "pretrain",
    doc: "Pre-train the mean-field network by SGD on the first `size` training examples, saving checkpoints at iterations 0, 1, 2, 4, ..., T.",
    run: async (c) => {
      checkpointOf(c);
      await pretrain(c.setup, [c.size], geometricSteps(c.setup.train.steps));
    },
  },
  {
    id: "select",
    doc: "At the chosen checkpoint: greedy forward selection to the target size n, magnitude pruning and random selection at every evaluation size, and the dense network, each measured by its loss on the selection examples and on the test set (cached).",
    run: async (c, state) => {
      const step = checkpointOf(c);
      state.data = { step, measurement: await measureCheckpoint(c.setup, pretrainRun(c.setup, c.size), step, c.spec) };
    },
  },
];

const compute: (c: GreedyRateConfig) => Promise<GreedyRateData> = computeBySteps(GREEDY_RATE_STEPS);

/** Log-log slope of (loss - reference) vs n over the points with n >= from and a positive gap. */
function gapSlope(ns: number[], losses: number[], reference: number, from: number) {
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

function render(c: GreedyRateConfig, d: GreedyRateData): FigureResult {
  const m = d.measurement;
  const ref = m.dense.trainLoss;
  const r = c.spec.randomSeeds.length;
  const ns = m.gfs.losses.map((_, i) => i + 1);
  const evalNs = c.spec.evalSizes;
  const gap = (v: number) => v - ref;
  const gfsFit = gapSlope(ns, m.gfs.losses, ref, c.fitFrom);
  const randomMeans = evalNs.map((k) => randomAt(m, k, (p) => p.trainLoss).mean);
  const randomFit = gapSlope(evalNs, randomMeans, ref, c.fitFrom);
  const magFit = gapSlope(evalNs, evalNs.map((k) => at(m.magnitude, k).trainLoss), ref, c.fitFrom);
  const gfsAtEval = evalNs.map((k) => m.gfs.losses[k - 1]);
  const growth = boundedGrowth(evalNs, gfsAtEval, ref, c.fitFrom);
  const growthRandom = boundedGrowth(evalNs, randomMeans, ref, c.fitFrom);
  const growthMagnitude = boundedGrowth(evalNs, evalNs.map((k) => at(m.magnitude, k).trainLoss), ref, c.fitFrom);
  const below = ns.filter((k) => gap(m.gfs.losses[k - 1]) <= 0);
  const gapPlot = {
    id: "loss-gap-vs-n",
    title: `Training loss above the dense network's vs subnetwork size n (iteration ${d.step}, ${c.size} examples)`,
    data: [
      { x: ns, y: m.gfs.losses.map(gap), name: "GFS", mode: "lines", line: { color: color(0) }, type: "scatter" },
      { x: evalNs, y: evalNs.map((k) => gap(at(m.magnitude, k).trainLoss)), name: "magnitude", mode: "lines+markers", line: { color: color(1) }, type: "scatter" },
      {
        x: evalNs,
        y: randomMeans.map(gap),
        error_y: { type: "data", array: evalNs.map((k) => randomAt(m, k, (p) => p.trainLoss).std), visible: r > 1 },
        name: `random (${r} seeds)`,
        mode: "lines+markers",
        line: { color: color(2) },
        type: "scatter",
      },
      ...(gfsFit ? [{ x: [gfsFit.from, gfsFit.to], y: [gfsFit.from, gfsFit.to].map((k) => Math.exp(gfsFit.intercept) * k ** gfsFit.slope), name: `GFS fit: slope ${gfsFit.slope.toFixed(2)}`, mode: "lines", line: { color: color(0), dash: "dash" }, type: "scatter" }] : []),
      { x: [1, ns.length], y: [m.gfs.losses[0] - ref, (m.gfs.losses[0] - ref) / ns.length], name: "1/n reference", mode: "lines", line: { color: "#888", dash: "dot" }, type: "scatter" },
    ],
    layout: { xaxis: { title: { text: "subnetwork size n (neurons, with multiplicity)" }, type: "log" }, yaxis: { title: { text: "training loss − dense training loss" }, type: "log" } },
    caption: `One pre-trained network; random: mean ± 1 std over ${r} seeds. On log-log axes a rate O(1/n) is a line of slope −1 (dotted). Points where a subnetwork's loss falls below the dense network's (a negative gap) are not drawn.`,
  };
  const table = {
    id: "rate",
    title: "Training loss vs n",
    columns: ["n", "GFS", "magnitude", "random", "dense", "n x (GFS − dense)", "n x (random − dense)"],
    rows: evalNs.map((k, i) => [k, m.gfs.losses[k - 1].toFixed(4), at(m.magnitude, k).trainLoss.toFixed(4), randomMeans[i].toFixed(4), ref.toFixed(4), (k * (m.gfs.losses[k - 1] - ref)).toFixed(3), (k * (randomMeans[i] - ref)).toFixed(3)]),
    note: `Cross-entropy on the first ${c.setup.selectionExamples} training examples; random: mean over ${r} seeds. Under an O(1/n) rate the n x gap columns stay bounded; under O(1/√n) they grow like √n.`,
  };
  const growthText = (g: ReturnType<typeof boundedGrowth>) =>
    g ? `max of n x gap ${g.early.toFixed(3)} for ${c.fitFrom} <= n < ${g.middle.toFixed(0)}, ${g.late.toFixed(3)} for n >= ${g.middle.toFixed(0)} (ratio ${g.ratio.toFixed(2)})` : "not measured";
  const slopeText = (f: ReturnType<typeof gapSlope>) => (f ? `${f.slope.toFixed(2)} (n = ${f.from}..${f.to}, R² ${f.r2.toFixed(2)})` : "not fitted (fewer than 3 positive gaps)");
  const findings = [
    `Log-log slope of the loss gap vs n: GFS ${slopeText(gfsFit)}; magnitude ${slopeText(magFit)}; random ${slopeText(randomFit)}.`,
    below.length ? `GFS's training loss falls below the dense network's (${ref.toFixed(4)}) from n = ${below[0]} (it optimises that loss directly, with replacement).` : `GFS stays above the dense network's training loss (${ref.toFixed(4)}) up to n = ${ns.length}: ${m.gfs.losses[ns.length - 1].toFixed(4)}.`,
    `n x (loss − dense loss), which O(1/n) keeps bounded: GFS ${growthText(growth)}; random ${growthText(growthRandom)}; magnitude ${growthText(growthMagnitude)}.`,
    `Greedy step cost: ${(1000 * m.gfs.secondsPerStep).toFixed(1)} ms (N = ${c.setup.width}, m = ${c.setup.selectionExamples}).`,
  ];
  // The check reads the bound directly (n x gap bounded); a fitted slope is biased steep where the gap nears 0.
  const rateCheck = growth
    ? check(
        "rate-1-over-n",
        growth.ratio <= 1 ? "agrees" : growth.ratio <= 1.5 ? "borderline" : "differs",
        `n x (GFS loss − dense loss): ${growthText(growth)}; bounded (ratio <= 1) under O(1/n), growing about ${Math.sqrt(evalNs[evalNs.length - 1] / growth.middle).toFixed(1)}x under O(1/√n); borderline up to 1.5. Log-log slope of the positive gap: ${slopeText(gfsFit)}${below.length ? `; the gap is ≤ 0 from n = ${below[0]}` : ""}.`,
      )
    : check("rate-1-over-n", "not tested", `fewer than two sizes >= ${c.fitFrom} were measured.`);
  return { plots: [gapPlot], tables: [table], findings, checks: [rateCheck] };
}

export const greedyRate = defineFigure<GreedyRateConfig, GreedyRateData>({
  id: "gfs/size-rate",
  title: "GFS subnetwork loss vs its size n at a fixed checkpoint: the O(1/n) rate",
  source: "Wolfe et al. 2021 (How Much Pre-training Is Enough to Discover a Good Subnetwork?), whose bound inherits the O(1/n) rate of greedy forward selection (Ye et al. 2020)",
  claim: "The training loss of the subnetwork found by greedy forward selection approaches the (pre-trained) network's loss at a rate O(1/n) in the subnetwork size n.",
  claims: [{ id: "rate-1-over-n", text: "The GFS subnetwork's training loss exceeds the dense network's by O(1/n)." }],
  method:
    SETUP_METHOD +
    " At one checkpoint (the end of pre-training), GFS runs to a large n; the trajectory gives the loss of the subnetwork of every size 1..n, compared with magnitude pruning and random selection at doubling sizes. The rate is the slope of log(loss − dense loss) vs log n.",
  presetNotes: {
    quick: "Smoke size: N = 256, 8,000 examples, 64 SGD steps, m = 200, n up to 32. Not a result.",
    cpu: "N = 1,000, all 60,000 MNIST training examples, 2,048 SGD steps (the networks of gfs/baselines), the last checkpoint, n up to 512, m = 500 selection examples, 3 random seeds; fit over n ≥ 8.",
    paper: "N = 10,000, 16,384 SGD steps, n up to 2,048, m = 5,000.",
  },
  presets: {
    quick: { setup: greedySetup(256, 64, 200, 2000), size: 8000, step: null, spec: spec(32, [1]), fitFrom: 4 },
    cpu: { setup: greedySetup(1000, 2048, 500, null), size: 60000, step: null, spec: spec(512), fitFrom: 8 },
    paper: { setup: greedySetup(10000, 16384, 5000, null), size: 60000, step: null, spec: spec(2048), fitFrom: 8 },
  },
  compute,
  steps: GREEDY_RATE_STEPS,
  render,
});
