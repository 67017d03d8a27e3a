import { MeanStd, meanPm } from "../util/stats";
import { STABILITY_THRESHOLD } from "../lmc/barrier";
import { STABILITY_MIN_BAND, thresholdSide } from "../lmc/stability";

/** One claim of the paper a figure reproduces, named so that its check can be found. */
export interface Claim {
  id: string;
  text: string;
  /** Whose claim it is, where not the paper's: "Hypothesis" for a question the workspace asks beyond the papers. */
  by?: string;
}

export type Verdict = "agrees" | "differs" | "borderline" | "not tested";

/** A claim compared with this run's numbers. */
export interface ClaimCheck {
  claim: string;
  verdict: Verdict;
  /** The numbers behind the verdict, in a sentence. */
  evidence: string;
}

export function check(claim: string, verdict: Verdict, evidence: string): ClaimCheck {
  return { claim, verdict, evidence };
}

/** Agrees when the measurement matches what the paper expects, differs otherwise. */
export function agreeIf(claim: string, agrees: boolean, evidence: string): ClaimCheck {
  return check(claim, agrees ? "agrees" : "differs", evidence);
}

export interface ThresholdSpec {
  threshold: number;
  /** "the 2 pp stability threshold". */
  name: string;
  /** Unit of the value once scaled by 100: "pp" or "%". */
  unit: string;
  /** Margins this small are borderline whatever the spread. */
  minBand: number;
  /** A value that is not a fraction (a ratio): shown unscaled, its unit before it ("x1.25"), its margin unscaled. */
  plain?: boolean;
}

/** The LMC paper's stability threshold: instability below 2 pp; within 0.2 pp of it is borderline. */
export const STABILITY: ThresholdSpec = { threshold: STABILITY_THRESHOLD, name: "the 2 pp stability threshold", unit: "pp", minBand: STABILITY_MIN_BAND };

/** Matching: accuracy at least the dense mean minus the tolerance; within 0.1 pp of that is borderline. */
export function matchingThreshold(threshold: number): ThresholdSpec {
  return { threshold, name: `the matching threshold (${(100 * threshold).toFixed(2)} %)`, unit: "%", minBand: 0.001 };
}

/** A threshold claim: agrees when the side the paper expects holds, differs when not, borderline when close. */
export function thresholdCheck(claim: string, what: string, value: MeanStd, n: number, spec: ThresholdSpec, expectBelow: boolean): ClaimCheck {
  const side = thresholdSide(value, n, spec.threshold, spec.minBand);
  const verdict: Verdict = side.borderline ? "borderline" : side.below === expectBelow ? "agrees" : "differs";
  const margin = `${spec.plain ? Math.abs(side.margin).toFixed(2) : `${Math.abs(100 * side.margin).toFixed(2)} pp`} ${side.below ? "below" : "above"} ${spec.name}`;
  const shown = spec.plain ? `${spec.unit}${meanPm(value, n, 1)}` : `${meanPm(value, n)} ${spec.unit}`;
  return check(claim, verdict, `${what} ${shown}, ${margin}${side.borderline ? " (borderline: within the noise of the threshold)" : ""}.`);
}

/** The findings' sentence for a check: the claim, the verdict, the evidence. */
export function checkSentence(claims: Claim[], c: ClaimCheck): string {
  const claim = claims.find((x) => x.id === c.claim);
  const verdict = { agrees: "agrees", differs: "DIFFERS", borderline: "is borderline", "not tested": "does not test this" }[c.verdict];
  return `${claim?.by ?? "Paper"}: ${claim?.text ?? c.claim} This run ${verdict}: ${c.evidence}`;
}

/** One claim checked at several settings: differs if any setting differs, borderline if any is, else agrees. */
export function combine(claim: string, parts: ClaimCheck[], empty = "no setting was measured."): ClaimCheck {
  if (!parts.length) return check(claim, "not tested", empty);
  const verdict: Verdict = parts.some((p) => p.verdict === "differs") ? "differs" : parts.some((p) => p.verdict === "borderline") ? "borderline" : parts.every((p) => p.verdict === "not tested") ? "not tested" : "agrees";
  const text = (ps: ClaimCheck[]) => ps.map((p) => p.evidence.replace(/\.$/, "")).join("; ");
  if (parts.length <= 4) return check(claim, verdict, `${text(parts)}.`);
  // Many settings: count them, and spell out those that do not agree (or the first and last when all do).
  const odd = parts.filter((p) => p.verdict !== "agrees");
  const agreeing = parts.length - odd.length;
  return check(claim, verdict, `${agreeing} of ${parts.length} settings agree; ${odd.length ? `not: ${text(odd.slice(0, 8))}${odd.length > 8 ? `; and ${odd.length - 8} more` : ""}` : `e.g. ${text([parts[0], parts[parts.length - 1]])}`}.`);
}

/** "yes", "no (borderline)": a threshold side as a table cell or a word in a sentence, the borderline mark included. */
export function sideLabel(side: { below: boolean; borderline: boolean }, below: string, above: string): string {
  return `${side.below ? below : above}${side.borderline ? " (borderline)" : ""}`;
}


/** One cell of an "A exactly when B" claim: both properties, each with whether its verdict is within the noise. */
export interface IffCell {
  name: string;
  a: boolean;
  aBorderline: boolean;
  b: boolean;
  bBorderline: boolean;
  /** The numbers behind the cell, for the evidence when it does not agree. */
  detail: string;
}

/** How the properties of an "A exactly when B" claim are named in its evidence. */
export interface IffNames {
  /** "IMP cell", "level pair". */
  cell: string;
  /** The cells counted, plural: "IMP cells (every k and density)". */
  cells: string;
  /** "matching", "connected". */
  a: string;
  /** "stable", "matching". */
  b: string;
  /** "both matching and stable". */
  both: string;
  /** "neither". */
  neither: string;
}

/** Counts of the four states of an "A exactly when B" claim's cells; non-trivial: every cell that is not both. */
export function iffCounts(cells: IffCell[]) {
  const both = cells.filter((x) => x.a && x.b);
  const neither = cells.filter((x) => !x.a && !x.b);
  const aOnly = cells.filter((x) => x.a && !x.b);
  const bOnly = cells.filter((x) => !x.a && x.b);
  return { n: cells.length, both, neither, aOnly, bOnly, nonTrivial: cells.length - both.length, exercised: aOnly.length + bOnly.length > 0 || (both.length > 0 && neither.length > 0) };
}

/**
 * An "A exactly when B" claim over cells. It is tested only when the two properties vary across the cells (some
 * cell is A but not B or B but not A, or some cells are both and others neither); where every cell is both (or
 * every cell neither) the equivalence is not exercised and the verdict is "not tested", however many cells agree.
 * When tested: differs for a firm exception (neither property borderline), borderline for an exception within the
 * noise or when only borderline cells exercise the claim, agrees otherwise. The evidence always counts the
 * non-trivial cells (those that are not both).
 */
export function iffCheck(claim: string, cells: IffCell[], names: IffNames): ClaimCheck {
  if (!cells.length) return check(claim, "not tested", `no ${names.cell} was measured.`);
  const k = iffCounts(cells);
  const close = (x: IffCell) => x.aBorderline || x.bBorderline;
  const count = (xs: IffCell[], what: string) => `${xs.length} ${what}${xs.filter(close).length ? ` (${xs.filter(close).length} borderline)` : ""}`;
  const tally = `${k.n} ${k.n === 1 ? names.cell : names.cells}: ${count(k.both, names.both)}, ${count(k.neither, names.neither)}, ${count(k.aOnly, `${names.a} but not ${names.b}`)}, ${count(k.bOnly, `${names.b} but not ${names.a}`)}; ${k.nonTrivial} non-trivial (not ${names.both})`;
  if (!k.exercised) {
    const all = k.both.length ? names.both : names.neither;
    return check(claim, "not tested", `${tally}. Every ${names.cell} is ${all}, so the equivalence is not exercised: agreement in ${k.n} of ${k.n} says nothing about it.`);
  }
  const exceptions = [...k.aOnly, ...k.bOnly];
  const firm = exceptions.filter((x) => !close(x));
  const firmCells = cells.filter((x) => !close(x));
  const firmlyExercised = firmCells.some((x) => x.a && x.b) && firmCells.some((x) => !x.a && !x.b);
  const verdict: Verdict = firm.length ? "differs" : exceptions.length || !firmlyExercised ? "borderline" : "agrees";
  const why = exceptions.length
    ? `; exceptions: ${exceptions.map((x) => `${x.name}: ${x.detail}${close(x) ? " (borderline)" : ""}`).join("; ")}`
    : verdict === "borderline"
      ? "; only cells within the noise of a threshold exercise the equivalence"
      : "";
  return check(claim, verdict, `${tally}${why}.`);
}
