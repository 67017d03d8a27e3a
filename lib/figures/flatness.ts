import { defineFigure, FigureResult, Preset } from "./figure";
import { color } from "./plot-helpers";
import { SparseSetup, denseRun, isMatching } from "./subnetworks";
import { UNMASKING_NOTES, UNMASKING_SETUP } from "./unmasking-presets";
import { runTasks } from "../parallel/pool";
import { evenAlphas, STABILITY_THRESHOLD } from "../lmc/barrier";
import { impLevel, levelForDensity, nominalDensity } from "../prune/imp";
import { LevelFlatness } from "../analyses/flatness";
import { meanStd, pp } from "../util/stats";
import { UserError } from "../util/errors";

/** lambda_max vs the per-level prune fraction (Paul et al. 2023). */
export interface FlatnessConfig extends Omit<SparseSetup, "fraction"> {
  rewindStep: number;
  /** Per-level prune fractions compared. */
  fractions: number[];
  /** Run each fraction's IMP until this density. */
  targetDensity: number;
  /** Examples of the training set the Hessian is computed on. */
  hessianSubset: number;
  /** Lanczos iterations at most (one Hessian-vector product, i.e. two gradients, each). */
  hessianIterations: number;
  /** Converged when the top Ritz pair's residual is at most this times |lambda_max|. */
  hessianTol: number;
}

interface Cell extends LevelFlatness {
  fraction: number;
  initSeed: number;
  level: number;
  nextDensity: number;
  nextAccuracy: number;
  barrier: number;
}

export async function runFlatness(c: FlatnessConfig) {
  for (const f of c.fractions) if (!(f > 0 && f < 1)) throw new UserError(`prune fraction ${f} must be strictly between 0 and 1.`);
  const spec = (fraction: number, initSeed: number) => ({ dense: denseRun(c, initSeed), rewindStep: c.rewindStep, fraction, scope: c.scope });
  const levels = (f: number) => levelForDensity(f, c.targetDensity);
  const dense = await runTasks(c.initSeeds.map((s) => ({ kind: "run" as const, config: denseRun(c, s), checkpoints: [c.rewindStep] })));
  await runTasks(c.fractions.flatMap((f) => c.initSeeds.map((s) => ({ kind: "run" as const, config: impLevel(spec(f, s), levels(f)), label: `IMP chain ${f}` }))));
  const cells = c.fractions.flatMap((fraction) => c.initSeeds.flatMap((initSeed) => Array.from({ length: levels(fraction) }, (_, level) => ({ fraction, initSeed, level }))));
  const pairOf = (x: (typeof cells)[number]) => [impLevel(spec(x.fraction, x.initSeed), x.level), impLevel(spec(x.fraction, x.initSeed), x.level + 1)] as const;
  const options = { subset: c.hessianSubset, maxIterations: c.hessianIterations, tol: c.hessianTol, seed: 0, method: "lanczos" as const };
  const flat = await runTasks(cells.map((x) => ({ kind: "flatness" as const, level: pairOf(x)[0], next: pairOf(x)[1], options })));
  const alphas = evenAlphas(c.alphas);
  const paths = await runTasks(cells.map((x) => ({ kind: "path" as const, a: pairOf(x)[0], b: pairOf(x)[1], options: { alphas, trainEvalSubset: c.trainEvalSubset, mask: pairOf(x)[1].mask } })));
  const next = await runTasks(cells.map((x) => ({ kind: "run" as const, config: pairOf(x)[1] })));
  const out: Cell[] = cells.map((x, i) => ({ ...x, ...flat[i], nextDensity: nominalDensity(x.fraction, x.level + 1), nextAccuracy: next[i].test.accuracy, barrier: paths[i].test.meanBarrier }));
  return { cells: out, denseAccuracy: meanStd(dense.map((d) => d.test.accuracy)) };
}

function render(c: FlatnessConfig, r: Awaited<ReturnType<typeof runFlatness>>): FigureResult {
  const byFraction = (f: number) => r.cells.filter((x) => x.fraction === f);
  const levelsOf = (f: number) => [...new Set(byFraction(f).map((x) => x.level))].sort((a, b) => a - b);
  const mean = (f: number, level: number, pick: (x: Cell) => number) => meanStd(byFraction(f).filter((x) => x.level === level).map(pick));
  const lambdaPlot = {
    id: "lambda-vs-density",
    title: "Top Hessian eigenvalue at the end of each level, by prune fraction",
    data: c.fractions.map((f, i) => {
      const ls = levelsOf(f);
      const s = ls.map((l) => mean(f, l, (x) => x.lambdaMax));
      return { x: ls.map((l) => 100 * nominalDensity(f, l)), y: s.map((v) => v.mean), error_y: { type: "data", array: s.map((v) => v.std), visible: true }, name: `prune ${Math.round(100 * f)} %/level`, mode: "lines+markers", line: { color: color(i) }, type: "scatter" };
    }),
    layout: { xaxis: { title: { text: "density of the level (%, log scale)" }, type: "log", autorange: "reversed" }, yaxis: { title: { text: "λ_max of the training loss" }, rangemode: "tozero" } },
  };
  const risePlot = {
    id: "predicted-vs-actual",
    title: "Loss rise from the next pruning step: second-order estimate 0.5 λ_max |δ|² vs actual",
    data: c.fractions.map((f, i) => ({
      x: byFraction(f).map((x) => x.predictedRise),
      y: byFraction(f).map((x) => x.actualRise),
      text: byFraction(f).map((x) => `level ${x.level} -> ${x.level + 1}`),
      name: `prune ${Math.round(100 * f)} %/level`,
      mode: "markers",
      marker: { color: color(i) },
      type: "scatter",
    })),
    layout: { xaxis: { title: { text: "0.5 λ_max |δ|²" }, type: "log" }, yaxis: { title: { text: "actual loss rise" }, type: "log" } },
  };
  const rows = c.fractions.flatMap((f) =>
    levelsOf(f).map((l) => {
      const acc = mean(f, l, (x) => x.nextAccuracy);
      const barrier = mean(f, l, (x) => x.barrier);
      return [
        f,
        `${l} -> ${l + 1}`,
        (100 * nominalDensity(f, l + 1)).toFixed(1),
        mean(f, l, (x) => x.lambdaMax).mean.toFixed(2),
        mean(f, l, (x) => x.prunedNorm).mean.toFixed(2),
        mean(f, l, (x) => x.predictedRise).mean.toExponential(2),
        mean(f, l, (x) => x.actualRise).mean.toExponential(2),
        pp(acc.mean, acc.std),
        isMatching(acc, r.denseAccuracy, c.matchingTolerance) ? "yes" : "no",
        barrier.mean < STABILITY_THRESHOLD ? "yes" : "no",
      ];
    }),
  );
  const table = {
    id: "flatness",
    title: `Flatness and the next pruning step; dense accuracy ${pp(r.denseAccuracy.mean, r.denseAccuracy.std)} %`,
    columns: ["prune fraction", "levels", "density after (%)", "λ_max", "|δ| pruned", "0.5 λ |δ|²", "actual loss rise", "next accuracy (%)", "next matching", "connected (< 2 pp)"],
    rows,
  };
  const findings = c.fractions.map((f) => {
    const fr = rows.filter((row) => row[0] === f);
    const firstFail = fr.find((row) => row[8] === "no");
    return `Pruning ${Math.round(100 * f)} % per level: ${firstFail ? `first non-matching level ${firstFail[1]} at ${firstFail[2]} % density` : "every level matches"}; λ_max from ${fr[0]?.[3]} to ${fr[fr.length - 1]?.[3]}; predicted rise at the first step ${fr[0]?.[5]} vs actual ${fr[0]?.[6]}.`;
  });
  return { data: { config: c, ...r }, plots: [lambdaPlot, risePlot], tables: [table], findings };
}

const { fraction: _q, ...quickSetup } = UNMASKING_SETUP.quick;
const { fraction: _c, ...cpuSetup } = UNMASKING_SETUP.cpu;
const { fraction: _p, ...paperSetup } = UNMASKING_SETUP.paper;
const presets: Record<Preset, FlatnessConfig> = {
  quick: { ...quickSetup, rewindStep: 0, fractions: [0.5, 0.8], targetDensity: 0.2, hessianSubset: 500, hessianIterations: 20, hessianTol: 1e-2 },
  cpu: { ...cpuSetup, rewindStep: 0, fractions: [0.2, 0.4, 0.6, 0.8], targetDensity: 0.036, hessianSubset: 2000, hessianIterations: 50, hessianTol: 1e-2 },
  paper: { ...paperSetup, rewindStep: 0, fractions: [0.2, 0.4, 0.6, 0.8], targetDensity: 0.036, hessianSubset: 10000, hessianIterations: 100, hessianTol: 1e-3 },
};

export const flatness = defineFigure<FlatnessConfig>({
  id: "unmasking/flatness",
  title: "Flatness sets how much can be pruned per level (LeNet-300-100)",
  source: "Paul et al. 2023, Unmasking the Lottery Ticket Hypothesis (Hessian flatness vs prune fraction)",
  claim:
    "The largest Hessian eigenvalue λ_max at the end of training bounds the fraction that can be pruned per level while staying in the same low-error region: the loss rise from pruning is about 0.5 λ_max |δ|²; pruning too much per level leaves the region, the next level stops matching and a barrier appears between levels.",
  method:
    "Run IMP (rewound to k = 0) with several per-level prune fractions to the same final density. At the end of each level, compute λ_max of the training loss over the unpruned weights (power iteration on finite-difference Hessian-vector products, on a fixed training subset), the norm |δ| of the weights the next step prunes, the second-order estimate 0.5 λ_max |δ|² and the actual loss rise, and whether the next level is matching and linearly connected to this one (barrier under the next level's mask).",
  presetNotes: { ...UNMASKING_NOTES, cpu: `${UNMASKING_NOTES.cpu} Prune fractions 20, 40, 60, 80 % per level to 3.6 % density; λ_max on 2,000 training examples, at most 30 power iterations.` },
  presets,
  async run(config) {
    return render(config, await runFlatness(config));
  },
});
