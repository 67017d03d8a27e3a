import { UserError } from "../util/errors";

/** Training hyper-parameters; together with the model, data and seeds they determine a run. */
export interface TrainHparams {
  optimizer: "sgd" | "adam";
  lr: number;
  /** SGD momentum (ignored by Adam). */
  momentum: number;
  /** L2 weight decay added to the gradient (PyTorch convention). */
  weightDecay: number;
  batchSize: number;
  /** Total training steps T. */
  steps: number;
  /** Linear warm-up from 0 to `lr` over this many steps. */
  warmupSteps: number;
  /** Steps at which the learning rate is multiplied by `lrDropFactor`. */
  lrDropSteps: number[];
  lrDropFactor: number;
}

export const OPTIMIZERS = ["sgd", "adam"] as const;

export function validateHparams(h: TrainHparams): void {
  const positiveInt = (v: number) => Number.isInteger(v) && v > 0;
  if (!(OPTIMIZERS as readonly string[]).includes(h.optimizer)) throw new UserError(`unknown optimizer "${h.optimizer}"; use one of: ${OPTIMIZERS.join(", ")}.`);
  if (!(h.lr > 0)) throw new UserError(`learning rate ${h.lr} must be positive.`);
  if (!positiveInt(h.batchSize)) throw new UserError(`batch size ${h.batchSize} must be a positive integer.`);
  if (!positiveInt(h.steps)) throw new UserError(`training steps ${h.steps} must be a positive integer.`);
  if (!(h.momentum >= 0 && h.momentum < 1)) throw new UserError(`momentum ${h.momentum} must be in [0, 1).`);
  if (!(h.weightDecay >= 0)) throw new UserError(`weight decay ${h.weightDecay} must be non-negative.`);
  if (!(Number.isInteger(h.warmupSteps) && h.warmupSteps >= 0)) throw new UserError(`warm-up steps ${h.warmupSteps} must be a non-negative integer.`);
}
