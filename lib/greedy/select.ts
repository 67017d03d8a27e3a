import { Contributions } from "./contributions";
import { SelectionLoss } from "./loss";
import { candidateScores } from "./score";
import { UserError } from "../util/errors";
import { eventLoopYielder } from "../util/yield";

export interface GreedyOptions {
  /** Target size n of the multiset S (neurons counted with multiplicity). */
  size: number;
  loss: SelectionLoss;
  /** Called after every step with the size reached and its loss. */
  onStep?: (size: number, loss: number) => void;
}

export interface GreedyResult {
  /** The neuron added at each step, in order (a neuron may appear several times). */
  picks: number[];
  /** losses[j]: the loss of the subnetwork of the first j + 1 picks, on the selection examples. */
  losses: number[];
  /** Wall seconds per step (scoring all candidates, picking, updating the running sum). */
  secondsPerStep: number;
}

export function validateSize(size: number): void {
  if (!(Number.isInteger(size) && size >= 1)) throw new UserError(`target size n = ${size} must be an integer >= 1.`);
}

/**
 * Greedy forward selection (Ye et al. 2020): from the empty multiset, add with replacement the neuron whose
 * addition most lowers the loss of the averaged subnetwork f_S(x) = (1/|S|) sum_{j in S} a_j h_j(x), until
 * |S| = n. Each step scores all N candidates at once (candidateScores); ties go to the lowest index.
 */
export async function greedySelect(c: Contributions, o: GreedyOptions): Promise<GreedyResult> {
  validateSize(o.size);
  const picks: number[] = [];
  const losses: number[] = [];
  const { count: m, classes: C } = c;
  const { hT, a } = c.host;
  const sum = new Float32Array(m * C);
  const started = performance.now();
  const yieldNow = eventLoopYielder();
  for (let k = 0; k < o.size; k++) {
    const values = await candidateScores(c, sum, k, o.loss);
    let best = 0;
    for (let i = 1; i < values.length; i++) if (values[i] < values[best]) best = i;
    if (!Number.isFinite(values[best])) throw new Error(`greedy step ${k + 1}: the loss is not finite (${values[best]})`);
    for (let x = 0; x < m; x++) {
      const h = hT[best * m + x];
      if (h !== 0) for (let j = 0; j < C; j++) sum[x * C + j] += h * a[best * C + j];
    }
    picks.push(best);
    losses.push(values[best]);
    o.onStep?.(k + 1, values[best]);
    await yieldNow();
  }
  return { picks, losses, secondsPerStep: (performance.now() - started) / 1000 / o.size };
}

/** Multiplicities of the neurons in `picks` (a multiset over N neurons). */
export function counts(picks: number[], width: number): Float32Array {
  const out = new Float32Array(width);
  for (const i of picks) {
    if (!(Number.isInteger(i) && i >= 0 && i < width)) throw new Error(`neuron ${i} is outside 0..${width - 1}`);
    out[i]++;
  }
  return out;
}
