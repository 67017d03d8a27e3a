import { FigureStep, computeBySteps, defineFigure, FigureResult } from "./figure";
import { check, combine, Verdict } from "./claims";
import { color, hline } from "./plot-helpers";
import { GreedySetup, SelectionSpec, CheckpointMeasurement, measureCheckpoint, pretrain, pretrainRun } from "../greedy/experiment";
import { RunSummary } from "../store/runs";
import { geometricSteps } from "../greedy/checkpoints";
import { at, greedySetup, linearFit, SETUP_METHOD, spec, stepAxis, stepX } from "./greedy-presets";
import { UserError } from "../util/errors";

/** GFS subnetworks vs pre-training iterations, one curve per training-set size; the threshold per size. */
export interface GreedyThresholdConfig {
  setup: GreedySetup;
  /** Training-set sizes (the first this many MNIST training examples). */
  sizes: number[];
  spec: SelectionSpec;
  /** A subnetwork is good when its training loss (on the selection examples) is at most this. */
  goodLoss: number;
  /** Levels of a good loss at which the threshold's growth with the size is checked (and tabulated). */
  levels: number[];
}

export interface SizeResult {
  size: number;
  denseTestAccuracy: number;
  checkpoints: CheckpointMeasurement[];
}

export interface GreedyThresholdData {
  steps: number[];
  results: SizeResult[];
}

export function validateThresholdConfig(c: GreedyThresholdConfig): void {
  if (!c.sizes.length) throw new UserError("at least one training-set size is needed.");
  if (!(c.goodLoss > 0)) throw new UserError(`goodLoss = ${c.goodLoss} must be positive.`);
}

/** The figure in steps (the notebook's cells; `compute` runs them in one go). */
export const GREEDY_THRESHOLD_STEPS: FigureStep<GreedyThresholdConfig>[] = [
  {
    id: "pretrain",
    doc: "Pre-train one mean-field network per training-set size by SGD on the first that many training examples (the same initialisation and data order), saving checkpoints at iterations 0, 1, 2, 4, ..., T.",
    run: async (c, state) => {
      validateThresholdConfig(c);
      state.runs = await pretrain(c.setup, c.sizes, geometricSteps(c.setup.train.steps));
    },
  },
  {
    id: "select",
    doc: "At every checkpoint of every size: greedy forward selection to the target size n, magnitude pruning and random selection at every evaluation size, and the dense network, each measured by its loss on the selection examples and on the test set (cached per checkpoint).",
    run: async (c, state) => {
      const steps = geometricSteps(c.setup.train.steps);
      const runs = state.runs as RunSummary[];
      const results: SizeResult[] = [];
      for (const [i, size] of c.sizes.entries()) {
        const checkpoints: CheckpointMeasurement[] = [];
        for (const step of steps) {
          const m = await measureCheckpoint(c.setup, pretrainRun(c.setup, size), step, c.spec);
          console.error(`[gfs] ${size} examples, step ${step}: GFS n=${c.spec.size} train loss ${m.gfs.losses[m.gfs.losses.length - 1].toFixed(4)} (${m.gfs.secondsPerStep.toFixed(3)} s/greedy step)`);
          checkpoints.push(m);
        }
        results.push({ size, denseTestAccuracy: runs[i].test.accuracy, checkpoints });
      }
      state.data = { steps, results };
    },
  },
];

const compute: (c: GreedyThresholdConfig) => Promise<GreedyThresholdData> = computeBySteps(GREEDY_THRESHOLD_STEPS);

/**
 * The pre-training iteration beyond which the loss stays at most `level`: the first checkpoint from which
 * every later one is good, interpolated linearly in log(step) between it and the checkpoint before (where
 * the loss is above the level). 0 when good from the start; null when the last checkpoint is not good.
 */
export function thresholdIteration(steps: number[], losses: number[], level: number): number | null {
  let j = losses.length;
  while (j > 0 && losses[j - 1] <= level) j--;
  if (j === losses.length) return null;
  if (j === 0) return 0;
  const [s0, s1] = [steps[j - 1], steps[j]];
  const [l0, l1] = [losses[j - 1], losses[j]];
  const t = (l0 - level) / (l0 - l1);
  if (s0 === 0) return s1 === 1 ? 1 : s1 ** t; // from 0 to the first positive step on a log scale from 1
  return Math.exp(Math.log(s0) + t * (Math.log(s1) - Math.log(s0)));
}

function finalLoss(m: CheckpointMeasurement): number {
  return m.gfs.losses[m.gfs.losses.length - 1];
}

function render(c: GreedyThresholdConfig, d: GreedyThresholdData): FigureResult {
  const n = c.spec.size;
  const thresholds = d.results.map((r) => thresholdIteration(d.steps, r.checkpoints.map(finalLoss), c.goodLoss));
  const xs = d.steps.map(stepX);
  const lossPlot = {
    id: "gfs-loss-vs-pretraining",
    title: `Training loss of the GFS subnetwork (n = ${n}) vs pre-training iterations`,
    data: [
      ...d.results.map((r, i) => ({ x: xs, y: r.checkpoints.map(finalLoss), name: `${r.size} examples`, mode: "lines+markers", line: { color: color(i) }, type: "scatter" })),
      ...d.results.map((r, i) => ({ x: xs, y: r.checkpoints.map((m) => m.dense.trainLoss), name: `dense (N = ${c.setup.width}), ${r.size}`, mode: "lines", line: { color: color(i), dash: "dot", width: 1 }, type: "scatter" })),
    ],
    layout: {
      xaxis: stepAxis(d.steps),
      yaxis: { title: { text: `training loss (cross-entropy, first ${c.setup.selectionExamples} examples)` }, type: "log" },
      shapes: [
        hline(c.goodLoss, `good: loss ≤ ${c.goodLoss}`),
        ...thresholds.flatMap((t, i) => (t === null ? [] : [{ type: "line", yref: "paper", y0: 0, y1: 1, x0: stepX(t), x1: stepX(t), line: { dash: "dot", color: color(i), width: 1.5 } }])),
      ],
    },
    caption: `One pre-training run per training-set size (n = 1 each; no error bars). Solid: the GFS subnetwork of ${n} neurons (with replacement) selected at each checkpoint; dotted: the dense network at that checkpoint. Vertical dotted lines: each size's threshold iteration (the loss stays ≤ ${c.goodLoss} from there on), interpolated in log(step) between checkpoints.`,
  };
  const accPlot = {
    id: "gfs-test-accuracy-vs-pretraining",
    title: `Test accuracy of the GFS subnetwork (n = ${n}) vs pre-training iterations`,
    data: d.results.map((r, i) => ({ x: xs, y: r.checkpoints.map((m) => 100 * at(m.gfs.points, n).test.accuracy), name: `${r.size} examples`, mode: "lines+markers", line: { color: color(i) }, type: "scatter" })),
    layout: { xaxis: stepAxis(d.steps), yaxis: { title: { text: "test accuracy (%)" } } },
    caption: "One pre-training run per size (n = 1).",
  };
  const levels = [...new Set([c.goodLoss, ...c.levels])].sort((a, b) => b - a);
  const perLevel = levels.map((level) => {
    const ts = d.results.map((r) => thresholdIteration(d.steps, r.checkpoints.map(finalLoss), level));
    const measured = d.results.map((r, i) => ({ size: r.size, t: ts[i] })).filter((p): p is { size: number; t: number } => p.t !== null);
    const fit = measured.length >= 2 ? linearFit(measured.map((p) => Math.log(p.size)), measured.map((p) => p.t)) : null;
    return { level, ts, measured, fit };
  });
  const thresholdPlot = {
    id: "threshold-vs-log-size",
    title: "Threshold iteration vs training-set size (log scale), per level of a good loss",
    data: perLevel.map((l, i) => ({ x: l.measured.map((p) => p.size), y: l.measured.map((p) => stepX(p.t)), name: `loss ≤ ${l.level}${l.fit ? ` (slope ${l.fit.slope.toFixed(1)} per ln)` : ""}`, mode: "lines+markers", line: { color: color(i) }, type: "scatter" })),
    layout: { xaxis: { title: { text: "training-set size (examples)" }, type: "log", tickvals: c.sizes }, yaxis: { title: { text: "threshold iteration" }, type: "log" } },
    caption: `One run per size (n = 1). The paper's bound: the threshold grows like log(size). A size that never stays below a level is left out of that level's line; a threshold of 0 is drawn at 0.5. Slopes: least squares of the threshold on ln(size).`,
  };
  const table = {
    id: "thresholds",
    title: "Threshold iteration per training-set size and level of a good training loss",
    columns: ["training examples", "dense test accuracy (%)", "GFS loss at the last checkpoint", "GFS test accuracy at the last checkpoint (%)", ...levels.map((l) => `threshold, loss ≤ ${l}`)],
    rows: d.results.map((r) => {
      const last = r.checkpoints[r.checkpoints.length - 1];
      return [
        r.size,
        (100 * r.denseTestAccuracy).toFixed(2),
        finalLoss(last).toFixed(4),
        (100 * at(last.gfs.points, n).test.accuracy).toFixed(2),
        ...levels.map((l) => {
          const t = thresholdIteration(d.steps, r.checkpoints.map(finalLoss), l);
          return t === null ? "not reached" : t.toFixed(0);
        }),
      ];
    }),
    note: "One run per size. Thresholds are interpolated in log(step) between the geometric checkpoints, so they are resolved to within a factor 2.",
  };
  const perStep = d.results.flatMap((r) => r.checkpoints.map((m) => m.gfs.secondsPerStep));
  const findings = [
    ...d.results.map((r, i) => `${r.size} examples: GFS (n = ${n}) training loss ${finalLoss(r.checkpoints[0]).toFixed(3)} at initialisation, ${finalLoss(r.checkpoints[r.checkpoints.length - 1]).toFixed(3)} after ${d.steps[d.steps.length - 1]} iterations (dense ${r.checkpoints[r.checkpoints.length - 1].dense.trainLoss.toFixed(3)}); threshold (loss ≤ ${c.goodLoss}): ${thresholds[i] === null ? "not reached" : `${thresholds[i]!.toFixed(0)} iterations`}.`),
    `Greedy step cost: ${(1000 * perStep.reduce((a, b) => a + b, 0) / perStep.length).toFixed(1)} ms on average (N = ${c.setup.width} candidates x m = ${c.setup.selectionExamples} examples x 10 classes).`,
  ];
  const reached = thresholds.every((t) => t !== null);
  const checks = [
    check(
      "threshold-exists",
      reached ? "agrees" : "differs",
      reached
        ? `every size's GFS subnetwork reaches loss ≤ ${c.goodLoss} and stays there: thresholds ${d.results.map((r, i) => `${r.size}: ${thresholds[i]!.toFixed(0)}`).join(", ")} iterations.`
        : `not reached within ${d.steps[d.steps.length - 1]} iterations for ${d.results.filter((_, i) => thresholds[i] === null).map((r) => `${r.size} examples`).join(", ")}.`,
    ),
    growthChecks(perLevel, c, d),
  ];
  return { plots: [lossPlot, accPlot, thresholdPlot], tables: [table], findings, checks };
}

/**
 * The threshold's growth with the size, at every level. A level whose thresholds all fall within the first
 * epoch of the smallest training set does not test the claim: until then every run has seen only distinct
 * examples, so the size of the set cannot matter yet.
 */
function growthChecks(perLevel: { level: number; ts: (number | null)[]; measured: { size: number; t: number }[]; fit: { slope: number; r2: number } | null }[], c: GreedyThresholdConfig, d: GreedyThresholdData) {
  const epoch = Math.floor(Math.min(...c.sizes) / c.setup.train.batchSize);
  const parts = perLevel.map((l) => {
    const label = `loss ≤ ${l.level}`;
    if (l.measured.length < 2 || !l.fit) return check("threshold-log-size", "not tested", `${label}: a threshold for ${l.measured.length} of ${c.sizes.length} sizes`);
    const list = l.measured.map((p) => `${p.size}: ${p.t.toFixed(0)}`).join(", ");
    if (Math.max(...l.measured.map((p) => p.t)) < epoch) return check("threshold-log-size", "not tested", `${label}: thresholds ${list}, all within the first epoch (${epoch} steps) of the smallest set`);
    const monotone = l.measured.every((p, i) => i === 0 || p.t >= l.measured[i - 1].t);
    const first = l.measured[0].t;
    const last = l.measured[l.measured.length - 1].t;
    const firm = last >= 2 * Math.max(first, 1); // thresholds are resolved to a factor 2 (geometric checkpoints)
    const verdict: Verdict = l.fit.slope <= 0 || last <= first ? "differs" : monotone && firm ? "agrees" : "borderline";
    const unreached = d.results.filter((_, i) => l.ts[i] === null).map((r) => r.size);
    return check(
      "threshold-log-size",
      verdict,
      `${label}: thresholds ${list}${unreached.length ? ` (never reached for ${unreached.join(", ")})` : ""}, slope ${l.fit.slope.toFixed(1)} per unit of ln(size) (R² ${l.fit.r2.toFixed(2)})${monotone ? "" : ", not monotone"}${firm ? "" : ", growth within the factor-2 resolution"}`,
    );
  });
  const tested = parts.filter((p) => p.verdict !== "not tested");
  const merged = combine("threshold-log-size", tested.length ? tested : parts);
  const untested = parts.filter((p) => p.verdict === "not tested").map((p) => p.evidence);
  return check(
    "threshold-log-size",
    merged.verdict,
    `${merged.evidence.replace(/\.$/, "")}${untested.length && tested.length ? `. Not testing the claim: ${untested.join("; ")}` : ""}. With ${c.sizes.length} sizes the data show whether the threshold grows, not that the growth is logarithmic rather than another slow law.`,
  );
}

const cpuSizes = [7500, 15000, 30000, 60000];

export const greedyThreshold = defineFigure<GreedyThresholdConfig, GreedyThresholdData>({
  id: "gfs/pretraining-threshold",
  title: "How much pre-training GFS needs: subnetwork loss vs pre-training iterations, per training-set size",
  source: "Wolfe et al. 2021, Provably Efficient Lottery Ticket Discovery (How Much Pre-training Is Enough to Discover a Good Subnetwork?), MNIST two-layer experiments",
  claim:
    "Greedy forward selection applied to a two-layer network finds a subnetwork with good training loss once the dense network has been pre-trained beyond a threshold number of iterations, and that threshold grows with the logarithm of the training-set size: larger data sets need more pre-training.",
  claims: [
    { id: "threshold-exists", text: "Beyond a threshold number of pre-training iterations, the subnetwork found by GFS has good training loss (and stays good)." },
    { id: "threshold-log-size", text: "The threshold grows with the (logarithm of the) training-set size: larger data sets need more pre-training." },
  ],
  method:
    SETUP_METHOD +
    " One network is pre-trained per training-set size (the first 1/8, 1/4, 1/2 and all of MNIST's training examples); at every checkpoint GFS selects n neurons. The subnetwork is *good* when its training loss is at most a fixed level; the *threshold* of a size is the iteration from which its GFS subnetwork stays good, interpolated in log(step) between checkpoints. The growth of the threshold with the size is checked at several levels; a level reached by every size within the first epoch of the smallest set cannot test it (no run has seen an example twice yet, so the size cannot matter).",
  presetNotes: {
    quick: "Smoke size: N = 256, sizes 2,000 and 8,000, 64 SGD steps, m = 200 selection examples, n = 16, test on 2,000 examples. Not a result.",
    cpu: "N = 1,000 hidden neurons, 2,048 SGD steps (batch 64) with checkpoints 0, 1, 2, ..., 2,048; sizes 7,500 / 15,000 / 30,000 / 60,000; GFS to n = 64 on the first m = 500 training examples (the training loss is measured on this fixed subsample); full test set; good means cross-entropy ≤ 0.5. The paper uses wider networks, longer pre-training and the full training loss.",
    paper: "N = 10,000, 16,384 SGD steps, the same sizes, n = 256, m = 5,000 selection examples (needs a native or GPU backend: the fused scoring pass is O(N m C) per step).",
  },
  presets: {
    quick: { setup: greedySetup(256, 64, 200, 2000), sizes: [2000, 8000], spec: spec(16, [1]), goodLoss: 1.5, levels: [2.0, 1.0, 0.5] },
    cpu: { setup: greedySetup(1000, 2048, 500, null), sizes: cpuSizes, spec: spec(64), goodLoss: 0.5, levels: [1.0, 0.5, 0.3, 0.2, 0.1] },
    paper: { setup: greedySetup(10000, 16384, 5000, null), sizes: cpuSizes, spec: spec(256), goodLoss: 0.5, levels: [1.0, 0.5, 0.3, 0.2, 0.1] },
  },
  compute,
  steps: GREEDY_THRESHOLD_STEPS,
  render,
});
