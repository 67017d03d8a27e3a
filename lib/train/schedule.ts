import { TrainHparams } from "./hparams";

/**
 * The learning rate used by the update at step `step` (0-based): linear warm-up to `lr` over
 * `warmupSteps` (reaching `lr` at step warmupSteps), then a factor `lrDropFactor` at each drop step
 * passed. A pure function of the step, so training resumed or branched at step k continues the schedule.
 */
export function learningRate(h: Pick<TrainHparams, "lr" | "warmupSteps" | "lrDropSteps" | "lrDropFactor">, step: number): number {
  let lr = h.lr;
  if (h.warmupSteps > 0 && step < h.warmupSteps) lr *= (step + 1) / h.warmupSteps;
  for (const drop of h.lrDropSteps) if (step >= drop) lr *= h.lrDropFactor;
  return lr;
}
