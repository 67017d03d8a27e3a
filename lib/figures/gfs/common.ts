import { SelectionSpec, CheckpointMeasurement, MethodPoint } from "../../greedy/experiment";
import { meanStd, MeanStd } from "../../util/stats";

/** What the three gfs figures share: selection sizes, lookups, axes, a line fit, and the method text. */

/** 1, 2, 4, ... up to n, and n. */
export function doublingSizes(n: number): number[] {
  const out: number[] = [];
  for (let s = 1; s < n; s *= 2) out.push(s);
  out.push(n);
  return out;
}

export function spec(size: number, randomSeeds = [1, 2, 3]): SelectionSpec {
  return { size, evalSizes: doublingSizes(size), randomSeeds };
}

/** The points of a method at size n. */
export function at(points: MethodPoint[], n: number): MethodPoint {
  const p = points.find((q) => q.n === n);
  if (!p) throw new Error(`no measurement at n = ${n}`);
  return p;
}

/** Random selection at size n: mean and std over the seeds of a measurement. */
export function randomAt(m: CheckpointMeasurement, n: number, pick: (p: MethodPoint) => number): MeanStd {
  return meanStd(m.random.map((pts) => pick(at(pts, n))));
}

/** A log x axis for checkpoints 0, 1, 2, 4, ...: step 0 is drawn at 0.5 and labelled 0. */
export function stepAxis(steps: number[], title = "pre-training iterations (SGD steps)"): Record<string, unknown> {
  return { title: { text: title }, type: "log", tickvals: steps.map(stepX), ticktext: steps.map(String) };
}

export function stepX(step: number): number {
  return step === 0 ? 0.5 : step;
}

/** Least-squares slope and intercept of y on x, and R^2. */
export function linearFit(x: number[], y: number[]): { slope: number; intercept: number; r2: number } {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  return { slope, intercept: my - slope * mx, r2: syy > 0 ? (sxy * sxy) / (sxx * syy) : 1 };
}

export const SETUP_METHOD =
  "A two-layer network in the mean-field form f(x) = (1/N) Σ_i a_i relu(w_i · x) (no biases; a_i ∈ R^10, He-normal w_i, standard-normal a_i) is pre-trained on MNIST by plain SGD (batch 64, constant rate 0.2 N, since the 1/N scaling makes gradients O(1/N)), saving checkpoints at iterations 0, 1, 2, 4, ..., T. At each checkpoint, every neuron's contribution a_i relu(w_i · x) on a fixed set of training examples (the first m of the training set) is computed once. **Greedy forward selection** (Ye et al. 2020) starts from the empty multiset S and adds, with replacement, the neuron whose addition to the averaged subnetwork f_S(x) = (1/|S|) Σ_{j∈S} a_j relu(w_j · x) most lowers the loss on those examples, until |S| = n. The loss is the softmax cross-entropy of f_S(x) (the loss of pre-training; the paper's analysis uses the squared loss, which the library also implements). Each step scores all N candidates in one fused pass over the candidates × examples grid (cost O(N m C) exponentials, C = 10 classes, about half skipped where relu is 0). Every subnetwork is measured three ways: on the m selection examples (the *in-sample* objective GFS minimises, and below which it can overfit), on *held-out* training examples (the ones after the first m: pre-training saw them, the selection never did, so this is the training loss without the selection's in-sample bias) and on the test set.";
