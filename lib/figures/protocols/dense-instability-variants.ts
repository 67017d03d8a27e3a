import { FigureStep, method, FigureResult, FigureProtocol } from "../figure";
import { ClaimCheck, STABILITY, check, sideLabel, thresholdCheck } from "../claims";
import { stabilitySide, thresholdSide } from "../../lmc/stability";
import { DENSE_INSTABILITY_STEPS, DenseInstabilityConfig, DenseInstabilityData, denseInstabilityViews } from "./dense-instability";
import { categoryPoints, hline } from "../plot-helpers";
import { TrainHparams } from "../../train/hparams";
import { STABILITY_THRESHOLD } from "../../lmc/barrier";
import { MeanStd, meanPm, plural } from "../../util/stats";

/**
 * The LMC paper's dense instability analysis (Figs. 2-3) on a network that is unstable at initialisation,
 * with the paper's "Low" (a 10x lower rate) and "Warmup" (a long linear warm-up) variants at k = 0.
 */
export interface UnstableDenseConfig {
  standard: DenseInstabilityConfig;
  variants: { id: "low" | "warmup"; label: string; train: TrainHparams }[];
  /** Pairs of copies per initialisation for the variants (at k = 0 only). */
  variantPairs: number;
}

/** The paper's Low variant: the rate divided by 10, no drops (ResNet-20 Low: SGD 0.01 instead of 0.1). */
export function lowTraining(h: TrainHparams): TrainHparams {
  return { ...h, lr: h.lr / 10, lrDropSteps: [] };
}

/** The paper's Warmup variant: 0.3x the rate, reached by linear warm-up over 30/63 of training, no drops (ResNet-20 Warmup: 0.03, 30K of 63K). */
export function warmupTraining(h: TrainHparams): TrainHparams {
  return { ...h, lr: 0.3 * h.lr, warmupSteps: Math.round((h.steps * 30) / 63), lrDropSteps: [] };
}

export function withVariants(standard: DenseInstabilityConfig, variantPairs = standard.pairs): UnstableDenseConfig {
  return {
    standard,
    variantPairs,
    variants: [
      { id: "low", label: "Low", train: lowTraining(standard.train) },
      { id: "warmup", label: "Warmup", train: warmupTraining(standard.train) },
    ],
  };
}

/** The dense analyses the figure runs: the standard setting at every k, and each variant at k = 0. */
function settings(c: UnstableDenseConfig): { id: string; config: DenseInstabilityConfig }[] {
  return [{ id: "standard", config: c.standard }, ...c.variants.map((v) => ({ id: v.id, config: { ...c.standard, train: v.train, ks: [0], pairs: c.variantPairs } }))];
}

/**
 * One of the dense instability analysis's own steps, run for every setting in turn, each with its own
 * earlier results: its result is one per setting, in the order of `settings`.
 */
function perSetting<K extends string>(id: K): FigureStep<UnstableDenseConfig, Record<string, unknown[]>, K, unknown[]> {
  const step = DENSE_INSTABILITY_STEPS.find((s) => s.id === id)!;
  return {
    id,
    doc: `${step.doc} For the standard setting, then at k = 0 for each variant the config lists (Low, Warmup).`,
    run: async (c, done) => {
      const results: unknown[] = [];
      for (const [i, s] of settings(c).entries()) results.push(await step.run(s.config, Object.fromEntries(Object.entries(done).map(([k, r]) => [k, r[i]]))));
      return results;
    },
  };
}

/** The dense analysis's steps for every setting; the data is every setting's, the standard one first. */
export const UNSTABLE_DENSE = method<UnstableDenseConfig>()
  .add(perSetting("parents"))
  .add(perSetting("copies"))
  .add(perSetting("paths"))
  .step("summarise", perSetting("summarise").doc, async (c, done) => {
    const [standard, ...variants] = (await perSetting("summarise").run(c, done)) as DenseInstabilityData[];
    return { standard, variants };
  });

export const UNSTABLE_DENSE_STEPS = UNSTABLE_DENSE.steps;
export const runUnstableDense = UNSTABLE_DENSE.compute;

type Data = Awaited<ReturnType<typeof runUnstableDense>>;

const accuracyOf = (d: DenseInstabilityData): MeanStd => ({ mean: 1 - d.denseTestError.mean, std: d.denseTestError.std });

/** Of the pairs at k = 0, how many paths have their highest test error at an endpoint (nothing rises along the path). */
export function endpointPeaks(d: DenseInstabilityData): { peaked: number; n: number } {
  const paths = d.replicates.filter((x) => x.k === 0).map((x) => x.path.test.errors);
  return { peaked: paths.filter((e) => Math.max(...e) <= Math.max(e[0], e[e.length - 1])).length, n: paths.length };
}

/** The α-weighted barrier at k = 0 beside the paper's instability, in a sentence: what makes up the instability. */
export function barrierNote(d: DenseInstabilityData): string {
  const z = d.summary.find((s) => s.k === 0);
  if (!z) return "";
  const { peaked, n } = endpointPeaks(d);
  const both = `α-weighted barrier ${meanPm(z.testLinearBarrier, z.n)} pp`;
  if (n && peaked === n)
    return `${both}: every one of the ${plural(n, "path")} peaks at an endpoint, so the instability is entirely half the gap between the two copies' test errors (copies' error ${meanPm(z.endpointTestError, 2 * z.n)} %); nothing rises along the path.`;
  return `${both}; ${peaked} of ${plural(n, "path")} peak at an endpoint.`;
}

/** The first k of the grid from which every measured k is below the threshold (null: never). */
export function onsetOfStability(summary: DenseInstabilityData["summary"]): DenseInstabilityData["summary"][number] | null {
  const ks = [...summary].sort((a, b) => a.k - b.k);
  for (let i = 0; i < ks.length; i++) if (ks.slice(i).every((s) => s.testInstability.mean < STABILITY_THRESHOLD)) return ks[i];
  return null;
}

/** The paper's onset: ResNet-20 at about 3 % of training, VGG-16 at about 1.6 %; "early" here means by 5 %. */
const EARLY_FRACTION = 0.05;

function render(c: UnstableDenseConfig, r: Data): FigureResult {
  const views = denseInstabilityViews(c.standard, r.standard);
  const nInit = c.standard.initSeeds.length;
  const settings = [{ label: "Standard", train: c.standard.train, data: r.standard }, ...c.variants.map((v, i) => ({ label: v.label, train: v.train, data: r.variants[i] }))];
  const atZero = (d: DenseInstabilityData) => d.summary.find((s) => s.k === 0);
  const schedule = (h: TrainHparams) =>
    [`SGD ${h.lr}`, h.momentum ? `momentum ${h.momentum}` : "", h.warmupSteps ? `warm-up ${h.warmupSteps} steps` : "", h.lrDropSteps.length ? `x${h.lrDropFactor} at ${h.lrDropSteps.join(", ")}` : ""].filter(Boolean).join(", ");
  const variantTable = {
    id: "variants",
    title: "Standard, Low and Warmup training at k = 0: the paper's instability and the α-weighted barrier",
    columns: ["setting", "optimizer and schedule", "dense test accuracy (%)", "test instability at k = 0 (pp)", "test α-weighted barrier at k = 0 (pp)", "pairs whose path peaks at an endpoint", "pairs", "stable (< 2 pp)"],
    rows: settings.map((s) => {
      const z = atZero(s.data);
      const p = endpointPeaks(s.data);
      return [s.label, schedule(s.train), meanPm(accuracyOf(s.data), nInit), z ? meanPm(z.testInstability, z.n) : "-", z ? meanPm(z.testLinearBarrier, z.n) : "-", z ? `${p.peaked} of ${p.n}` : "-", z?.n ?? 0, z ? sideLabel(stabilitySide(z.testInstability, z.n), "yes", "no") : "-"];
    }),
    note: "a ± b: mean ± one sample standard deviation, over the initialisations (accuracy) or over every pair of copies (instability, barrier). Instability (the LMC paper's): the highest test error on the path minus the mean of the two copies' errors. α-weighted barrier: the highest test error above the straight line between the two copies' errors. Where a path peaks at an endpoint, its instability is half the gap between the two copies' errors and its α-weighted barrier is 0: nothing rises along the path. Stable: instability below 2 pp; borderline: within one std (or 0.2 pp) of it.",
  };
  const variantPlot = {
    id: "variants-at-init",
    title: "Instability and α-weighted barrier at k = 0 of the standard, Low and Warmup settings",
    data: [
      categoryPoints("test instability (the paper's)", settings.map((s) => s.label), settings.map((s) => 100 * (atZero(s.data)?.testInstability.mean ?? NaN)), settings.map((s) => 100 * (atZero(s.data)?.testInstability.std ?? 0)), 0),
      categoryPoints("test α-weighted barrier", settings.map((s) => s.label), settings.map((s) => 100 * (atZero(s.data)?.testLinearBarrier.mean ?? NaN)), settings.map((s) => 100 * (atZero(s.data)?.testLinearBarrier.std ?? 0)), 1),
    ],
    layout: {
      xaxis: { title: { text: "training setting" }, type: "category" },
      yaxis: { title: { text: "at k = 0 (pp)" }, rangemode: "tozero" },
      shapes: [hline(100 * STABILITY_THRESHOLD, "stability threshold: stable below 2 pp")],
    },
    caption: `Points: mean over ${atZero(r.standard)?.n ?? 0} pairs of copies (${nInit} initialisations) ${c.variants.length ? ` for the standard setting, ${c.variantPairs * nInit} per variant` : ""}; error bars: ± 1 sample standard deviation. Settings are categories: no line joins them. Dashed line: the LMC paper's 2 pp stability threshold.`,
  };

  const k0 = atZero(r.standard);
  const onset = onsetOfStability(r.standard.summary);
  const T = c.standard.train.steps;
  const onsetCheck = (): ClaimCheck => {
    if (!k0) return check("early-onset", "not tested", "k = 0 was not measured.");
    if (!onset) return check("early-onset", "differs", `no measured k is followed only by stable ones (largest k measured: ${Math.max(...c.standard.ks)}, ${((100 * Math.max(...c.standard.ks)) / T).toFixed(1)} % of training).`);
    if (onset.k === 0) return check("early-onset", "differs", "the network is already stable at k = 0, so there is no onset to locate.");
    const side = thresholdSide(onset.testInstability, onset.n, STABILITY.threshold, STABILITY.minBand);
    const fraction = onset.k / T;
    // The onset lies between the last unstable k of the grid and this one; a coarse grid may not tell early from late.
    const before = Math.max(...c.standard.ks.filter((k) => k < onset.k));
    const unresolved = fraction > EARLY_FRACTION && before / T < EARLY_FRACTION;
    // A late onset rests on the last unstable k being unstable: if that k is early and only unstable within the
    // noise (the table's borderline), the onset may be there.
    const last = r.standard.summary.find((s) => s.k === before)!;
    const lastSide = thresholdSide(last.testInstability, last.n, STABILITY.threshold, STABILITY.minBand);
    const lastDecides = fraction > EARLY_FRACTION && !unresolved && before / T <= EARLY_FRACTION && lastSide.borderline;
    const verdict = side.borderline || unresolved || lastDecides ? "borderline" : fraction <= EARLY_FRACTION ? "agrees" : "differs";
    return check(
      "early-onset",
      verdict,
      `stable from k = ${onset.k} on (${(100 * fraction).toFixed(1)} % of the ${T} steps; the paper: 3 % for ResNet-20, 1.6 % for VGG-16), instability there ${meanPm(onset.testInstability, onset.n)} pp${side.borderline ? " (borderline: within the noise of the 2 pp threshold)" : ""}${unresolved ? `; the onset lies between k = ${before} and ${onset.k} (${((100 * before) / T).toFixed(1)}-${(100 * fraction).toFixed(1)} %), which the grid cannot place on either side of "early" (${100 * EARLY_FRACTION} %): borderline` : ""}${lastDecides ? `; k = ${before} (${((100 * before) / T).toFixed(1)} %, early) is unstable only within the noise of the 2 pp threshold (${meanPm(last.testInstability, last.n)} pp), so the onset may be there: borderline` : ""}.`,
    );
  };
  const variantCheck = (id: string, i: number): ClaimCheck => {
    if (i < 0) return check(id, "not tested", "this preset does not train the variant (the CPU budget); the paper preset does.");
    const z = atZero(r.variants[i]);
    if (!z) return check(id, "not tested", "k = 0 was not measured.");
    const base = thresholdCheck(id, `${c.variants[i].label}: test instability at k = 0:`, z.testInstability, z.n, STABILITY, true);
    return { ...base, evidence: `${base.evidence} Its ${barrierNote(r.variants[i])}` };
  };
  const accuracyCheck = (): ClaimCheck => {
    if (c.variants.length === 0) return check("variant-accuracy", "not tested", "this preset trains no Low or Warmup variant.");
    const base = accuracyOf(r.standard);
    const parts = c.variants.map((v, i) => {
      const a = accuracyOf(r.variants[i]);
      const gap = a.mean - base.mean;
      const noise = Math.max(nInit > 1 ? Math.hypot(a.std, base.std) : 0, 0.001);
      return { label: v.label, gap, verdict: Math.abs(gap) <= noise ? ("borderline" as const) : gap < 0 ? ("agrees" as const) : ("differs" as const), a };
    });
    const verdict = parts.some((p) => p.verdict === "differs") ? "differs" : parts.some((p) => p.verdict === "borderline") ? "borderline" : "agrees";
    return check(
      "variant-accuracy",
      verdict,
      `standard ${meanPm(base, nInit)} %; ${parts.map((p) => `${p.label} ${meanPm(p.a, nInit)} % (${p.gap >= 0 ? "+" : ""}${(100 * p.gap).toFixed(2)} pp${p.verdict === "borderline" ? ", within the spread" : ""})`).join("; ")}.`,
    );
  };
  const checks = [
    k0 ? thresholdCheck("unstable-at-init", "test instability at k = 0:", k0.testInstability, k0.n, STABILITY, false) : check("unstable-at-init", "not tested", "k = 0 was not measured."),
    onsetCheck(),
    variantCheck("low-stable", c.variants.findIndex((v) => v.id === "low")),
    variantCheck("warmup-stable", c.variants.findIndex((v) => v.id === "warmup")),
    accuracyCheck(),
  ];
  const variantFindings = c.variants.map((v, i) => {
    const z = atZero(r.variants[i]);
    return `${v.label} (${schedule(v.train)}): test accuracy ${meanPm(accuracyOf(r.variants[i]), nInit)} %, at k = 0 ${z ? `instability (the paper's) ${meanPm(z.testInstability, z.n)} pp (${sideLabel(stabilitySide(z.testInstability, z.n), "stable", "unstable")}), ${barrierNote(r.variants[i])}` : "not measured."}`;
  });
  const warmup = c.variants.find((v) => v.id === "warmup");
  const lowIndex = c.variants.findIndex((v) => v.id === "low");
  // Warmup's peak rate is 0.3x the standard one: a lower rate as well as a warm-up. What Low measured says how far
  // the lower rate alone goes; the sentence follows that measurement, under the figure's one 2 pp rule.
  if (warmup && warmup.train.lr < c.standard.train.lr) {
    const lowZero = lowIndex >= 0 ? atZero(r.variants[lowIndex]) : undefined;
    const lowSide = lowZero ? stabilitySide(lowZero.testInstability, lowZero.n) : null;
    const low = c.variants[lowIndex];
    const rate = `Warmup's schedule also lowers the rate: it peaks at ${warmup.train.lr} (${+(warmup.train.lr / c.standard.train.lr).toFixed(2)}x the standard ${c.standard.train.lr}) and drops nothing`;
    const separate = `a warm-up to the standard rate ${c.standard.train.lr}, which this preset does not run`;
    const lowPart = !lowZero || !lowSide
      ? `. So the lower rate alone may be what stabilises Warmup: this data cannot separate the warm-up from the lower rate (that needs ${separate}).`
      : lowSide.borderline
        ? `; Low, at a lower rate still (${low.train.lr}) without warm-up, is borderline at k = 0 (${meanPm(lowZero.testInstability, lowZero.n)} pp), so this data cannot say whether the lower rate alone stabilises the network (that needs ${separate}).`
        : lowSide.below
          ? `, and Low shows that a lower rate (${low.train.lr}) alone, without warm-up, is stable here. So the lower rate alone may be what stabilises Warmup: this data cannot separate the warm-up from the lower rate (that needs ${separate}).`
          : `; Low, at a lower rate still (${low.train.lr}) without warm-up, is unstable at k = 0 (${meanPm(lowZero.testInstability, lowZero.n)} pp), so a lower rate alone does not explain Warmup's stability here. Whether the warm-up alone would suffice at the standard rate is not measured (that needs ${separate}).`;
    variantFindings.push(rate + lowPart);
  }
  return {
    plots: [...views.plots, variantPlot],
    tables: [...views.tables, variantTable],
    findings: [...views.findings, ...(onset ? [`Onset of stability: k = ${onset.k} (${((100 * onset.k) / T).toFixed(1)} % of training).`] : []), ...variantFindings],
    checks,
  };
}


export const denseVariantsProtocol: FigureProtocol<UnstableDenseConfig, Data> = {
  source: "Frankle et al. 2020, Linear Mode Connectivity and the Lottery Ticket Hypothesis, Figs. 2-3 and the Low / Warmup variants of Table 1 (ResNet-20, VGG-16), on a CPU-sized unstable setting",
  claim:
    "ResNet-20 and VGG-16 are unstable at initialisation: copies trained from W0 with different SGD noise end in different linearly separated minima. They become stable early in training (ResNet-20 at about 3 % of training, VGG-16 at about 1.6 %). A 10x lower learning rate (Low) or a long linear warm-up (Warmup) makes them stable at initialisation, at some cost in accuracy.",
  claims: [
    { id: "unstable-at-init", text: "Networks trained with SGD at a high rate without warm-up (ResNet-20, VGG-16) are unstable at initialisation: instability at k = 0 above 2 pp." },
    { id: "early-onset", text: "They become stable early in training: ResNet-20 at about 3 % of training (k = 2000 of 63K), VGG-16 at about 1.6 %." },
    { id: "low-stable", text: "With a 10x lower learning rate (Low) the network is stable at initialisation." },
    { id: "warmup-stable", text: "With a long linear learning-rate warm-up (Warmup) the network is stable at initialisation." },
    { id: "variant-accuracy", text: "Low and Warmup reach lower accuracy than the standard setting (ResNet-20: 88.8 % and 89.7 % against 91.7 %)." },
  ],
  method:
    "The instability analysis of `lmc/dense-instability` on the setting found by the search in docs/unstable-regime.md: LeNet-300-100 on Fashion-MNIST, SGD with momentum 0.9 at rate 0.1, batch 128, no warm-up, the rate dropped x0.1 late in training. Copies are made at k on a log-like grid from 0; the onset of stability is the first k from which every measured k is below 2 pp. *Low* divides the rate by 10 and drops nothing; *Warmup* uses 0.3x the rate reached by a linear warm-up over 30/63 of training (the paper's ResNet-20 proportions: 0.03 over 30K of 63K iterations); both are measured at k = 0 with the same initialisations and data-order pairs.",
  compute: runUnstableDense,
  steps: UNSTABLE_DENSE_STEPS,
  render,
};
