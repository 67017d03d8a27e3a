import * as tf from "@tensorflow/tfjs";
import { Contributions } from "./contributions";
import { SelectionLoss } from "./loss";

/**
 * The loss of every candidate extension of a subnetwork of size k, as one batched computation: candidate i
 * gives f(x) = (sum(x) + a_i h_i(x)) / (k + 1), where `sum` [m * classes, row-major] is the running sum of
 * the chosen neurons' contributions. Returns the N losses.
 *
 * Cross-entropy: the label term is linear, sum_x f_y(x) = (sum_x sum_y(x) + sum_c a_ic hY_ic) / (k + 1)
 * with hY = H^T onehot(y) computed once per checkpoint; the log-sum-exp over classes is one fused pass
 * over the candidates x examples grid (N m C exponentials at most, in place: no N x m x C tensor), which
 * skips the examples where relu(w_i . x) = 0, since there f = sum / (k + 1) whatever the candidate and
 * its log-sum-exp is computed once per step.
 * Squared: ||f - e_y||^2 expands so that only the product H^T sum [N, classes] depends on the step: one
 * matrix product, N m C multiply-adds.
 * Asynchronous because the tensor forms read their results back with `data()` (GPU-resident tensors cannot be read
 * synchronously in Node); the numbers are the same as a synchronous read's.
 */
export async function candidateScores(c: Contributions, sum: Float32Array, k: number, loss: SelectionLoss, mode: ScoreMode = defaultMode()): Promise<Float64Array> {
  if (sum.length !== c.count * c.classes) throw new Error(`running sum has ${sum.length} values, expected ${c.count} x ${c.classes}`);
  if (loss === "squared") return squaredScores(c, sum, k);
  return mode === "host" ? crossEntropyScores(c, sum, k) : crossEntropyScoresTensor(c, sum, k);
}

/**
 * Where the cross-entropy scores are computed: "host", the fused loop (fastest where the backend's memory
 * is the host's: wasm, cpu), or "tensor", tfjs ops over chunks of candidates (for native and GPU backends).
 */
export type ScoreMode = "host" | "tensor";

export function defaultMode(): ScoreMode {
  return tf.getBackend() === "wasm" || tf.getBackend() === "cpu" ? "host" : "tensor";
}

/** At most this many floats in one chunk of the candidates x examples x classes tensor (16 MB). */
export const CHUNK_ELEMENTS = 4_000_000;

/** The cross-entropy scores as tfjs ops: the candidates x examples x classes tensor, a chunk of candidates at a time. */
export async function crossEntropyScoresTensor(c: Contributions, sum: Float32Array, k: number, chunkElements = CHUNK_ELEMENTS): Promise<Float64Array> {
  const { count: m, classes: C, width: N } = c;
  const scale = 1 / (k + 1);
  const label = labelTerms(c, sum, scale);
  const per = Math.max(1, Math.floor(chunkElements / (m * C)));
  const lse = tf.tidy(() => {
    const base = tf.tensor3d(sum, [1, m, C]);
    const parts: tf.Tensor[] = [];
    for (let start = 0; start < N; start += per) {
      const size = Math.min(per, N - start);
      const h = tf.expandDims(tf.slice(c.hT, [start, 0], [size, m]), 2); // [c, m, 1]
      const a = tf.expandDims(tf.slice(c.a, [start, 0], [size, C]), 1); // [c, 1, C]
      parts.push(tf.sum(tf.logSumExp(tf.mul(tf.add(base, tf.mul(h, a)), scale), 2), 1)); // [c]
    }
    return parts.length === 1 ? parts[0] : tf.concat(parts);
  });
  const values = await readAndDispose(lse);
  return Float64Array.from(values, (v, i) => (v - label[i]) / m);
}

function labelTerms(c: Contributions, sum: Float32Array, scale: number): Float64Array {
  const { count: m, classes: C, width: N } = c;
  const { a, hY, y } = c.host;
  let sumLabel = 0;
  for (let x = 0; x < m; x++) sumLabel += sum[x * C + y[x]];
  const out = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    let t = 0;
    for (let j = 0; j < C; j++) t += a[i * C + j] * hY[i * C + j];
    out[i] = (t + sumLabel) * scale;
  }
  return out;
}

function crossEntropyScores(c: Contributions, sum: Float32Array, k: number): Float64Array {
  const { count: m, classes: C, width: N } = c;
  const { hT, a } = c.host;
  const scale = 1 / (k + 1);
  // Log-sum-exp of sum(x) / (k + 1): the value at every example where the candidate is inactive.
  const lse0 = new Float64Array(m);
  let lse0Total = 0;
  for (let x = 0; x < m; x++) {
    lse0[x] = logSumExp(sum, x * C, C, scale);
    lse0Total += lse0[x];
  }
  const label = labelTerms(c, sum, scale);
  const z = new Float64Array(C);
  const out = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const row = i * m;
    const ai = i * C;
    let total = lse0Total;
    for (let x = 0; x < m; x++) {
      const h = hT[row + x];
      if (h === 0) continue;
      const base = x * C;
      let max = -Infinity;
      for (let j = 0; j < C; j++) {
        const v = (sum[base + j] + h * a[ai + j]) * scale;
        z[j] = v;
        if (v > max) max = v;
      }
      let s = 0;
      for (let j = 0; j < C; j++) s += Math.exp(z[j] - max);
      total += max + Math.log(s) - lse0[x];
    }
    out[i] = (total - label[i]) / m;
  }
  return out;
}

function logSumExp(v: Float32Array, offset: number, n: number, scale: number): number {
  let max = -Infinity;
  for (let j = 0; j < n; j++) max = Math.max(max, v[offset + j] * scale);
  let s = 0;
  for (let j = 0; j < n; j++) s += Math.exp(v[offset + j] * scale - max);
  return max + Math.log(s);
}

async function squaredScores(c: Contributions, sum: Float32Array, k: number): Promise<Float64Array> {
  const { count: m, classes: C, width: N } = c;
  const scale = 1 / (k + 1);
  const label = labelTerms(c, sum, scale);
  const cross = await readAndDispose(tf.tidy(() => tf.sum(tf.mul(c.a, tf.matMul(c.hT, tf.tensor2d(sum, [m, C]))), 1))); // sum_x h_i(x) <a_i, sum(x)>
  const { a } = c.host;
  const hSq = await c.hSq.data();
  let sumSq = 0;
  for (let j = 0; j < sum.length; j++) sumSq += sum[j] * sum[j];
  const out = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    let aSq = 0;
    for (let j = 0; j < C; j++) aSq += a[i * C + j] ** 2;
    const sq = (sumSq + 2 * cross[i] + aSq * hSq[i]) * scale * scale; // sum_x ||f(x)||^2
    out[i] = (sq - 2 * label[i] + m) / m; // mean_x ||f||^2 - 2 f_y + 1
  }
  return out;
}

async function readAndDispose(t: tf.Tensor): Promise<Float32Array> {
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}
