import { FigureResult, Preset, method, defineFigure } from "../figure";
import { Claim, ClaimCheck, STABILITY, combine, sideLabel, thresholdCheck, ThresholdSpec } from "../claims";
import { RewindGridConfig, runRewindGrid } from "../protocols/rewind-grid";
import { BN_NETWORK, BN_SETUP } from "../settings/bn-mlp-cifar16";
import { PLAIN_NETWORK, PLAIN_SETUP } from "../settings/plain-mlp-cifar16";
import { SparseSetup, copyPairs, denseRun, pairPaths, subnetwork, trainCopies } from "../../lottery/subnetworks";
import { RunConfig } from "../../store/run-config";
import { branchAt } from "../../lmc/instability";
import { stabilitySide } from "../../lmc/stability";
import { LayerAtRewind, rewindPoint } from "../../analyses/rewind-point";
import { runTasks } from "../../parallel/pool";
import { nominalDensity } from "../../prune/imp";
import { MeanStd, meanPm, meanStd, plural } from "../../util/stats";
import { color } from "../plot-helpers";

/**
 * Why does pruning stabilise the plain MLP and not the batch-norm one? The same IMP grid on both networks (same
 * data, schedule and seeds; each at its own rate), and at every rewind point the relative step of each hidden layer,
 * lr ||g|| / ||m * W_k||: for a layer under batch norm the step that sets how fast its direction moves.
 */
export interface PlainVsBnConfig {
  bn: SparseSetup;
  plain: SparseSetup;
  rewindSteps: number[];
  levels: number[];
  /** Pairs of dense copies at k = 0 per initialisation (each network's premise). */
  densePairs: number;
  /** Training batches the gradient at each rewind point is averaged over. */
  batches: number;
  /** The hidden layers measured (the prunable ones; the output layer stays dense). */
  layers: string[];
}

const NETWORKS = ["bn", "plain"] as const;
type Network = (typeof NETWORKS)[number];
const NAMES: Record<Network, string> = { bn: "batch norm", plain: "plain" };

const gridOf = (c: PlainVsBnConfig, n: Network): RewindGridConfig => ({ ...c[n], rewindSteps: c.rewindSteps, levels: c.levels, accuracyKinds: [], stabilityKinds: ["imp"], densePairs: c.densePairs });

/** The plain network at the batch-norm network's rate: does it train at all? */
const plainAtBnRate = (c: PlainVsBnConfig, initSeed: number) => denseRun({ ...c.plain, train: { ...c.plain.train, lr: c.bn.train.lr } }, initSeed);

/** Every rewind point measured: the dense network's W_k (level 0) and each IMP level's m * W_k, with the run trained from it. */
function points(c: PlainVsBnConfig) {
  return NETWORKS.flatMap((network) =>
    c[network].initSeeds.flatMap((initSeed) =>
      c.rewindSteps.flatMap((k) =>
        [0, ...c.levels].map((level) => {
          const parent = denseRun(c[network], initSeed);
          // Level 0 starts from the parent's W_k, and the parent is what trained on from there (with data order 0).
          const start = level === 0 ? branchAt(parent, k) : subnetwork(c[network], "imp", initSeed, k, level);
          return { network, initSeed, k, level, start, trained: level === 0 ? parent : start };
        }),
      ),
    ),
  );
}

interface SubnetworkCell {
  network: Network;
  initSeed: number;
  k: number;
  level: number;
  testError: number;
  /** Test barrier between the two copies, one per pair. */
  instabilities: number[];
}

/** The batch-norm network's IMP subnetwork at k = 0 with each measured layer scaled back to the dense norm of W_0. */
interface RescaledCell {
  initSeed: number;
  level: number;
  /** ||W_0|| / ||m * W_0|| per layer: the factor its starting weights were multiplied by. */
  factors: Record<string, number>;
  testError: number;
  instabilities: number[];
  layers: LayerAtRewind[];
}

interface RewindPointCell {
  network: Network;
  initSeed: number;
  k: number;
  level: number;
  layers: LayerAtRewind[];
}

export interface PlainVsBnData {
  subnetworks: SubnetworkCell[];
  /** Each network's dense instability at k = 0 (the premise pairs) and dense test errors. */
  dense: Record<Network, { instabilities: number[]; errors: number[] }>;
  /** The plain network trained at the batch-norm network's rate: test error, and test loss (null where it diverged to NaN or infinity). */
  plainAtBnRate: { testError: number; testLoss: number | null }[];
  rewindPoints: RewindPointCell[];
  rescaled: RescaledCell[];
}

/** The rescaled subnetworks: each level at k = 0 with its layers at W_0's dense norm (function unchanged under batch norm). */
function rescaledRuns(c: PlainVsBnConfig, points: RewindPointCell[]) {
  const norm = (initSeed: number, level: number, layer: string) => points.find((p) => p.network === "bn" && p.k === 0 && p.initSeed === initSeed && p.level === level)!.layers.find((l) => l.layer === layer)!.norm;
  return c.bn.initSeeds.flatMap((initSeed) =>
    c.levels.map((level) => {
      const factors = Object.fromEntries(c.layers.map((layer) => [layer, norm(initSeed, 0, layer) / norm(initSeed, level, layer)]));
      return { initSeed, level, factors, config: { ...subnetwork(c.bn, "imp", initSeed, 0, level), rescale: factors } as RunConfig };
    }),
  );
}

export const PLAIN_VS_BN = method<PlainVsBnConfig>()
  .step(
    "grids",
    "On each network, the rewind grid for IMP alone: dense parents, IMP chains to the deepest level rewound to each k, pairs of copies of every subnetwork with different data orders and the barrier between them, and pairs of dense copies at k = 0 (the premise). The batch-norm network's runs are those of `unstable-bn/rewind-k`.",
    async (c) => {
      const grids = [];
      for (const network of NETWORKS) grids.push(await runRewindGrid(gridOf(c, network)));
      return grids;
    },
  )
  .step(
    "plainAtBnRate",
    "Train the plain network at the batch-norm network's rate (one run per initialisation, data order 0): whether the two can be compared at the same rate.",
    async (c) => runTasks(c.plain.initSeeds.map((s) => ({ kind: "run" as const, config: plainAtBnRate(c, s), label: "plain at the batch-norm rate" }))),
  )
  .step(
    "rewindPoints",
    "At every rewind point (the dense W_k and each level's m * W_k), per hidden layer: the norm of the kept weights, the mean norm of the masked gradient over the first training batches (batch norm in training mode), the relative step lr ||g|| / ||w||, and how much the layer's norm grew by the end of training from there.",
    async (c) => {
      const cells: RewindPointCell[] = [];
      for (const p of points(c)) cells.push({ network: p.network, initSeed: p.initSeed, k: p.k, level: p.level, layers: await rewindPoint(p.start, p.trained, { batches: c.batches, layers: c.layers }) });
      return cells;
    },
  )
  .step(
    "rescaled",
    "The intervention, on the batch-norm network at k = 0: multiply each measured layer of every IMP subnetwork's m * W_0 by ||W_0|| / ||m * W_0||, giving it the dense network's norm back. Under batch norm this leaves the function unchanged and divides the relative step by the factor squared. Train it (data order 0) and pairs of copies, measure the barrier between them and the rescaled rewind point.",
    async (c, done) => {
      const runs = rescaledRuns(c, done.rewindPoints);
      const summaries = await runTasks(runs.map((x) => ({ kind: "run" as const, config: x.config, label: "rescaled subnetwork" })));
      const pairs = copyPairs(c.bn, runs.map((x) => x.config));
      await trainCopies(pairs);
      const paths = await pairPaths(c.bn, pairs);
      const cells: RescaledCell[] = [];
      for (const [i, x] of runs.entries()) {
        const layers = await rewindPoint(x.config, x.config, { batches: c.batches, layers: c.layers });
        cells.push({ initSeed: x.initSeed, level: x.level, factors: x.factors, testError: summaries[i].test.error, instabilities: paths.filter((_, j) => pairs[j].start === i).map((p) => p.test.meanBarrier), layers });
      }
      return cells;
    },
  )
  .step(
    "summarise",
    "Per subnetwork: its test error and the barrier between its copies; per network, the dense premise; per rewind point, the layers' measurements.",
    async (c, done) => {
      const grids = done.grids;
      const subnetworks: SubnetworkCell[] = NETWORKS.flatMap((network, i) =>
        grids[i].cells.map((x) => ({ network, initSeed: x.initSeed, k: x.k, level: x.level, testError: x.testError, instabilities: x.paths.map((p) => p.test.meanBarrier) })),
      );
      const dense = Object.fromEntries(NETWORKS.map((n, i) => [n, { instabilities: grids[i].denseInstabilities ?? [], errors: grids[i].denseErrors }])) as PlainVsBnData["dense"];
      return { subnetworks, dense, plainAtBnRate: done.plainAtBnRate.map((s) => ({ testError: s.test.error, testLoss: Number.isFinite(s.test.loss) ? s.test.loss : null })), rewindPoints: done.rewindPoints, rescaled: done.rescaled } satisfies PlainVsBnData;
    },
  );

export const PLAIN_VS_BN_STEPS = PLAIN_VS_BN.steps;

const CLAIMS: Claim[] = [
  {
    id: "pruning-stabilises-plain-only",
    by: "Observation",
    text: "To explain: rewound to k = 0, IMP subnetworks of the plain network are stable and those of the batch-norm network are not, although both dense networks are unstable there.",
  },
  {
    id: "bn-step-rises",
    by: "Hypothesis",
    text: "Its premise: rewound to k = 0, pruning raises the relative step lr ||g|| / ||w|| of the batch-norm network's hidden layers above the dense network's (ratio above 1).",
  },
  {
    id: "plain-step-does-not-rise",
    by: "Hypothesis",
    text: "Its control: in the plain network, pruning does not raise the relative step at k = 0 (ratio not above 1), so the same pruning leaves its SGD no more agitated.",
  },
  {
    id: "rescaled-stable",
    by: "Hypothesis",
    text: "The intervention: giving the batch-norm network's pruned layers at W_0 their dense norm back (the same function, a smaller relative step) makes its IMP subnetworks rewound to k = 0 stable.",
  },
  {
    id: "late-step-lower",
    by: "Hypothesis",
    text: "Late rewinding: on the batch-norm network, the relative step of a pruned level is lower rewound to the late k than to k = 0 (ratio below 1), which is where its subnetworks become stable.",
  },
];

/** Ratios of relative steps are compared with 1 under the figure's one rule: firm beyond one std or 5 %. */
const RATIO: ThresholdSpec = { threshold: 1, name: "1 (no change)", unit: "x", minBand: 0.05, plain: true };

function render(c: PlainVsBnConfig, r: PlainVsBnData): FigureResult {
  const late = Math.max(...c.rewindSteps);
  const density = (level: number) => (level === 0 ? 100 : 100 * nominalDensity(c.bn.fraction, level));
  const pct = (level: number) => `${density(level).toFixed(1)} %`;
  const cellsAt = (n: Network, k: number, level: number) => r.subnetworks.filter((x) => x.network === n && x.k === k && x.level === level);
  const instability = (n: Network, k: number, level: number): { value: MeanStd; n: number } => {
    const values = level === 0 ? (k === 0 ? r.dense[n].instabilities : []) : cellsAt(n, k, level).flatMap((x) => x.instabilities);
    return { value: meanStd(values), n: values.length };
  };
  const layerAt = (n: Network, k: number, level: number, layer: string, initSeed: number) =>
    r.rewindPoints.find((p) => p.network === n && p.k === k && p.level === level && p.initSeed === initSeed)!.layers.find((l) => l.layer === layer)!;
  const seeds = (n: Network) => c[n].initSeeds;
  const over = (n: Network, f: (s: number) => number): { value: MeanStd; n: number } => ({ value: meanStd(seeds(n).map(f)), n: seeds(n).length });
  // A ratio per initialisation (its pruned level over its own dense network, or its late k over its k = 0), then mean ± std.
  const stepRatio = (n: Network, layer: string, a: { k: number; level: number }, b: { k: number; level: number }) =>
    over(n, (s) => layerAt(n, a.k, a.level, layer, s).relativeStep / layerAt(n, b.k, b.level, layer, s).relativeStep);
  const fmt = (x: { value: MeanStd; n: number }, scale = 1, digits = 2) => meanPm(x.value, x.n, scale, digits);

  const rows = NETWORKS.flatMap((n) =>
    c.rewindSteps.flatMap((k) =>
      [0, ...c.levels].map((level) => {
        const inst = instability(n, k, level);
        const stable = inst.n ? sideLabel(stabilitySide(inst.value, inst.n), "yes", "no") : "not measured";
        return [
          NAMES[n],
          k,
          density(level).toFixed(1),
          ...c.layers.flatMap((layer) => [
            fmt(over(n, (s) => layerAt(n, k, level, layer, s).norm), 1, 2),
            fmt(over(n, (s) => layerAt(n, k, level, layer, s).gradientNorm), 1, 3),
            fmt(over(n, (s) => layerAt(n, k, level, layer, s).relativeStep), 1, 4),
            level === 0 ? "1" : fmt(stepRatio(n, layer, { k, level }, { k, level: 0 }), 1, 2),
            fmt(over(n, (s) => layerAt(n, k, level, layer, s).growth), 1, 2),
          ]),
          inst.n ? fmt(inst, 100) : "-",
          stable,
        ];
      }),
    ),
  );
  const table = {
    id: "rewind-points",
    title: "At each rewind point: per hidden layer the kept weights' norm, the gradient's norm, the relative step and its ratio to the dense network's, the growth by the end of training; and the subnetwork's instability",
    columns: [
      "network",
      "k",
      "density (%)",
      ...c.layers.flatMap((l) => [`${l} ||w||`, `${l} ||g||`, `${l} lr ||g|| / ||w||`, `${l} step / dense step`, `${l} growth ||w_T|| / ||w_k||`]),
      "instability (pp)",
      "stable",
    ],
    rows,
    note: `a ± b: mean ± one sample standard deviation over ${plural(c.bn.initSeeds.length, "initialisation")} (instability: over initialisations x ${plural(c.bn.pairs, "pair")}). ||g||: the masked gradient's norm, mean over the first ${c.batches} training batches of ${c.bn.train.batchSize} at the rewind point (batch norm in training mode). Step ratios are per initialisation, against its own dense network at the same k. Density 100 %: the dense network (its instability measured at k = 0 only). Stable: instability below 2 pp; borderline within one std (or 0.2 pp) of it.`,
  };

  const rescaledAt = (level: number) => r.rescaled.filter((x) => x.level === level);
  const rescaledInstability = (level: number) => {
    const values = rescaledAt(level).flatMap((x) => x.instabilities);
    return { value: meanStd(values), n: values.length };
  };
  const rescaledStepRatio = (layer: string, level: number) =>
    over("bn", (s) => rescaledAt(level).find((x) => x.initSeed === s)!.layers.find((l) => l.layer === layer)!.relativeStep / layerAt("bn", 0, 0, layer, s).relativeStep);
  const accuracyOf = (errors: number[]) => ({ value: meanStd(errors.map((e) => 1 - e)), n: errors.length });
  const rescaledTable = {
    id: "rescaled",
    title: "The batch-norm network's IMP subnetworks at k = 0, as pruned and rescaled to the dense norm of W_0",
    columns: ["density (%)", ...c.layers.map((l) => `${l} factor`), ...c.layers.map((l) => `${l} step / dense step, rescaled`), "instability as pruned (pp)", "instability rescaled (pp)", "stable rescaled", "test accuracy as pruned (%)", "test accuracy rescaled (%)"],
    rows: c.levels.map((level) => {
      const inst = rescaledInstability(level);
      return [
        density(level).toFixed(1),
        ...c.layers.map((layer) => fmt(over("bn", (s) => rescaledAt(level).find((x) => x.initSeed === s)!.factors[layer]), 1, 2)),
        ...c.layers.map((layer) => fmt(rescaledStepRatio(layer, level), 1, 3)),
        fmt(instability("bn", 0, level), 100),
        fmt(inst, 100),
        sideLabel(stabilitySide(inst.value, inst.n), "yes", "no"),
        fmt(accuracyOf(cellsAt("bn", 0, level).map((x) => x.testError)), 100),
        fmt(accuracyOf(rescaledAt(level).map((x) => x.testError)), 100),
      ];
    }),
    note: `Factor: ||W_0|| / ||m * W_0|| of the layer, per initialisation (mean ± std). Under batch norm the rescaled network computes the same function at W_0; SGD's relative step on the layer shrinks by the factor squared. Instability over ${plural(c.bn.initSeeds.length, "initialisation")} x ${plural(c.bn.pairs, "pair")}; the same 2 pp rule.`,
  };

  const main = c.layers[0];
  const plotPoints = NETWORKS.flatMap((n, i) =>
    c.rewindSteps.map((k, j) => {
      const levels = [0, ...c.levels].filter((level) => instability(n, k, level).n > 0);
      return {
        x: levels.map((level) => over(n, (s) => layerAt(n, k, level, main, s).relativeStep).value.mean),
        y: levels.map((level) => 100 * instability(n, k, level).value.mean),
        error_y: { type: "data", array: levels.map((level) => 100 * instability(n, k, level).value.std), visible: true },
        text: levels.map(pct),
        textposition: "top center",
        name: `${NAMES[n]}, k = ${k}`,
        mode: "markers+text",
        marker: { color: color(i), symbol: ["circle", "diamond", "square", "triangle-up"][j % 4], size: 9 },
        type: "scatter",
      };
    }),
  );
  const rescaledPoints = {
    x: c.levels.map((level) => over("bn", (s) => rescaledAt(level).find((x) => x.initSeed === s)!.layers.find((l) => l.layer === main)!.relativeStep).value.mean),
    y: c.levels.map((level) => 100 * rescaledInstability(level).value.mean),
    error_y: { type: "data", array: c.levels.map((level) => 100 * rescaledInstability(level).value.std), visible: true },
    text: c.levels.map(pct),
    textposition: "top center",
    name: "batch norm, k = 0, rescaled to the dense norm",
    mode: "markers+text",
    marker: { color: color(2), symbol: "star", size: 11 },
    type: "scatter",
  };
  const scatter = {
    id: "instability-vs-relative-step",
    title: `Instability of each subnetwork vs the relative step of ${main} at its rewind point`,
    data: [...plotPoints, rescaledPoints],
    layout: { xaxis: { title: { text: `${main}: lr ||g|| / ||m W_k|| at the rewind point (log scale)` }, type: "log" }, yaxis: { title: { text: "instability (pp)" }, rangemode: "tozero" } },
    caption: `Each point: one density (labelled) at one rewind step, mean over ${plural(c.bn.initSeeds.length, "initialisation")}; error bars: one std over initialisations x pairs. 100 %: the dense network at k = 0. Batch norm at rate ${c.bn.train.lr}, plain at ${c.plain.train.lr}.`,
  };
  const ratioPlot = {
    id: "step-ratio-vs-density",
    title: `How much pruning raises the relative step of ${main}: pruned over dense, per rewind step`,
    data: NETWORKS.flatMap((n, i) =>
      c.rewindSteps.map((k, j) => {
        const ratios = c.levels.map((level) => stepRatio(n, main, { k, level }, { k, level: 0 }));
        return {
          x: c.levels.map(density),
          y: ratios.map((x) => x.value.mean),
          error_y: { type: "data", array: ratios.map((x) => x.value.std), visible: true },
          name: `${NAMES[n]}, k = ${k}`,
          mode: "lines+markers",
          line: { color: color(i), dash: j ? "dash" : "solid" },
          type: "scatter",
        };
      }),
    ),
    layout: { xaxis: { title: { text: "density (%, log scale)" }, type: "log", autorange: "reversed" }, yaxis: { title: { text: "relative step / dense network's" }, type: "log" } },
    caption: "Ratio above 1: the pruned network's first steps move its weights further, relative to their size, than the dense network's from the same W_k.",
  };

  const atZero = (n: Network) => c.levels.map((level) => ({ level, ...instability(n, 0, level) }));
  const premise = NETWORKS.map((n) => {
    const d = instability(n, 0, 0);
    return `${NAMES[n]} (rate ${c[n].train.lr}): dense instability at k = 0 ${fmt(d, 100)} pp (${sideLabel(stabilitySide(d.value, d.n), "stable", "unstable")}), test accuracy ${meanPm(meanStd(r.dense[n].errors.map((e) => 1 - e)), r.dense[n].errors.length)} %`;
  });
  const sameRate = meanStd(r.plainAtBnRate.map((x) => 1 - x.testError));
  const diverged = r.plainAtBnRate.filter((x) => x.testLoss === null).length;
  const findings = [
    `The dense networks: ${premise.join("; ")}. The plain network at the batch-norm network's rate (${c.bn.train.lr}) reaches ${meanPm(sameRate, r.plainAtBnRate.length)} % test accuracy${diverged ? `, its loss diverging in ${diverged} of ${r.plainAtBnRate.length} runs` : ""}; the figure compares the two each at its own rate.`,
    ...NETWORKS.map(
      (n) =>
        `${NAMES[n]}, IMP rewound to k = 0: instability ${atZero(n).map((x) => `${pct(x.level)} ${fmt(x, 100)} pp`).join(", ")}; rewound to k = ${late}: ${c.levels.map((level) => `${pct(level)} ${fmt(instability(n, late, level), 100)} pp`).join(", ")}.`,
    ),
    ...NETWORKS.map(
      (n) =>
        `${NAMES[n]}, relative step of ${main} over the dense network's at k = 0: ${c.levels.map((level) => `${pct(level)} x${fmt(stepRatio(n, main, { k: 0, level }, { k: 0, level: 0 }))}`).join(", ")}; the kept norm ||m W_0|| / ||W_0||: ${c.levels.map((level) => `${pct(level)} ${fmt(over(n, (s) => layerAt(n, 0, level, main, s).norm / layerAt(n, 0, 0, main, s).norm))}`).join(", ")}; the gradient norm over the dense one's: ${c.levels.map((level) => `${pct(level)} ${fmt(over(n, (s) => layerAt(n, 0, level, main, s).gradientNorm / layerAt(n, 0, 0, main, s).gradientNorm))}`).join(", ")}.`,
    ),
    `The intervention, batch norm at k = 0 with ${c.layers.join(" and ")} rescaled to the dense norm of W_0: instability ${c.levels.map((level) => `${pct(level)} ${fmt(rescaledInstability(level), 100)} pp (as pruned ${fmt(instability("bn", 0, level), 100)})`).join(", ")}; relative step of ${main} over the dense one's ${c.levels.map((level) => `${pct(level)} x${fmt(rescaledStepRatio(main, level), 1, 3)}`).join(", ")}; test accuracy ${c.levels.map((level) => `${pct(level)} ${fmt(accuracyOf(rescaledAt(level).map((x) => x.testError)), 100)} % (as pruned ${fmt(accuracyOf(cellsAt("bn", 0, level).map((x) => x.testError)), 100)} %)`).join(", ")}.`,
    `Relative step of ${main} and instability, batch norm: rescaled at k = 0 against rewound to k = ${late} as pruned: ${c.levels
      .map((level) => {
        const rescaledStep = over("bn", (s) => rescaledAt(level).find((x) => x.initSeed === s)!.layers.find((l) => l.layer === main)!.relativeStep);
        const lateStep = over("bn", (s) => layerAt("bn", late, level, main, s).relativeStep);
        return `${pct(level)} ${fmt(rescaledStep, 1, 4)} (${fmt(rescaledInstability(level), 100)} pp) against ${fmt(lateStep, 1, 4)} (${fmt(instability("bn", late, level), 100)} pp)`;
      })
      .join(", ")}.`,
    ...NETWORKS.map((n) => `${NAMES[n]}: rank correlation between the relative step of ${main} and the instability over the subnetworks' (k, density) cells: ${rankCorrelation(c.rewindSteps.flatMap((k) => c.levels.map((level) => [over(n, (s) => layerAt(n, k, level, main, s).relativeStep).value.mean, instability(n, k, level).value.mean] as [number, number]))).toFixed(2)} (${c.rewindSteps.length * c.levels.length} cells).`),
  ];

  const observation = combine(
    "pruning-stabilises-plain-only",
    [
      // The premise, measured here: both dense networks unstable at k = 0.
      ...NETWORKS.map((n) => thresholdCheck("pruning-stabilises-plain-only", `${NAMES[n]}, dense, k = 0: instability`, instability(n, 0, 0).value, instability(n, 0, 0).n, STABILITY, false)),
      ...c.levels.flatMap((level) => [
      thresholdCheck("pruning-stabilises-plain-only", `plain, ${pct(level)}, k = 0: instability`, instability("plain", 0, level).value, instability("plain", 0, level).n, STABILITY, true),
      thresholdCheck("pruning-stabilises-plain-only", `batch norm, ${pct(level)}, k = 0: instability`, instability("bn", 0, level).value, instability("bn", 0, level).n, STABILITY, false),
      ]),
    ],
  );
  const ratioChecks = (claim: string, n: Network, a: (level: number) => { k: number; level: number }, b: (level: number) => { k: number; level: number }, what: string, expectBelow: boolean): ClaimCheck =>
    combine(
      claim,
      c.levels.flatMap((level) =>
        c.layers.map((layer) => {
          const ratio = stepRatio(n, layer, a(level), b(level));
          return thresholdCheck(claim, `${NAMES[n]}, ${layer} at ${pct(level)}: ${what}`, ratio.value, ratio.n, RATIO, expectBelow);
        }),
      ),
    );
  const checks = [
    observation,
    ratioChecks("bn-step-rises", "bn", (level) => ({ k: 0, level }), () => ({ k: 0, level: 0 }), "relative step over the dense one's at k = 0", false),
    ratioChecks("plain-step-does-not-rise", "plain", (level) => ({ k: 0, level }), () => ({ k: 0, level: 0 }), "relative step over the dense one's at k = 0", true),
    combine(
      "rescaled-stable",
      c.levels.map((level) => thresholdCheck("rescaled-stable", `batch norm, ${pct(level)}, k = 0, rescaled: instability`, rescaledInstability(level).value, rescaledInstability(level).n, STABILITY, true)),
    ),
    ratioChecks("late-step-lower", "bn", (level) => ({ k: late, level }), (level) => ({ k: 0, level }), `relative step at k = ${late} over k = 0`, true),
  ];
  return { plots: [scatter, ratioPlot], tables: [table, rescaledTable], findings, checks };
}

/** Spearman's rank correlation of (x, y) pairs (no ties expected in measured floats). */
function rankCorrelation(pairs: [number, number][]): number {
  const ranks = (xs: number[]) => {
    const order = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
    const r = new Array<number>(xs.length);
    order.forEach(([, i], rank) => (r[i] = rank));
    return r;
  };
  const rx = ranks(pairs.map((p) => p[0]));
  const ry = ranks(pairs.map((p) => p[1]));
  const n = pairs.length;
  const d2 = rx.reduce((a, x, i) => a + (x - ry[i]) ** 2, 0);
  return 1 - (6 * d2) / (n * (n * n - 1));
}

const presets: Record<Preset, PlainVsBnConfig> = {
  quick: { bn: BN_SETUP.quick, plain: PLAIN_SETUP.quick, rewindSteps: [0, 6], levels: [1, 2], densePairs: 1, batches: 2, layers: ["fc1.weight", "fc2.weight"] },
  cpu: { bn: BN_SETUP.cpu, plain: PLAIN_SETUP.cpu, rewindSteps: [0, 300], levels: [3, 4, 5], densePairs: 2, batches: 8, layers: ["fc1.weight", "fc2.weight"] },
  paper: { bn: BN_SETUP.paper, plain: PLAIN_SETUP.paper, rewindSteps: [0, 150, 300], levels: [2, 3, 4, 5, 6], densePairs: 3, batches: 32, layers: ["fc1.weight", "fc2.weight"] },
};

export const plainVsBn = defineFigure<PlainVsBnConfig, PlainVsBnData>({
  id: "unstable-bn/plain-vs-bn",
  title: `Why pruning stabilises a plain MLP and not the batch-norm one: the relative step at the rewind point (${BN_NETWORK}; ${PLAIN_NETWORK})`,
  source: "Beyond the papers: this workspace's question (docs/sparse-unstable.md), on the networks of the LMC paper's sparse instability analysis at MLP size",
  claim:
    "Hypothesis: a layer under batch norm is scale invariant, so SGD moves it by lr ||g|| / ||w|| relative to its size. Rewinding a pruned mask to W_0 keeps a small part of each layer's norm, so the pruned batch-norm network starts with larger relative steps than the dense one, large enough to keep it unstable; rewinding later starts from grown weights and smaller steps. A plain network has no such invariance, and pruning calms it.",
  claims: CLAIMS,
  method:
    "Both networks get the same IMP grid (same data, schedule, seeds, pruning fraction and rewind steps; each at its own rate, since the plain one does not train at the batch-norm rate, which the figure measures): subnetworks rewound to each k, two copies each with different data orders and the barrier between them. At every rewind point, per hidden layer, the norm of the kept weights ||m W_k||, the mean norm of the masked gradient over the first training batches (batch norm in training mode, as SGD sees it), the relative step lr ||g|| / ||m W_k||, and the norm's growth by the end of training. The relative steps of pruned levels are compared with the dense network's at the same k, per initialisation. The intervention: the batch-norm network's subnetworks at k = 0 with each hidden layer of m * W_0 multiplied by ||W_0|| / ||m * W_0|| (its dense norm back: the same function, a relative step smaller by the factor squared), trained and measured like the others. The hypothesis and its three checks are the workspace's, not a paper's; every ratio is judged against 1 by the figure's one rule (firm beyond one std or 5 %), every instability by the 2 pp rule.",
  presetNotes: {
    quick: "Smoke size: 1,000 CIFAR-10 16x16 examples, 60 steps, k in {0, 6}, levels 1 and 2, one initialisation, 2 gradient batches. Not a result.",
    cpu: `Batch norm at rate 0.7 (the unstable-bn setting, whose runs it reuses) and plain at rate 0.1 (the sparse search's plain control), both LeNet-300-100 on CIFAR-10 16x16, 1,500 steps, momentum 0.9, batch 128, weight decay 1e-4, the rate x0.1 at 1,000. k in {0, 300}; levels 3, 4, 5 (6.4, 2.6, 1.0 %); 3 initialisations x 2 pairs; 2 dense pairs at k = 0 per initialisation; gradients over 8 batches of 128.`,
    paper: "The cpu setting with 5 initialisations x 3 pairs, k in {0, 150, 300}, levels 2 to 6 and gradients over 32 batches.",
  },
  presets,
  compute: PLAIN_VS_BN.compute,
  steps: PLAIN_VS_BN_STEPS,
  render,
});
