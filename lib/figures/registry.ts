import { Figure } from "./figure";
import { denseInstability } from "./dense-instability";
import { sparseAtInit } from "./sparse-k0";
import { rewindK } from "./rewind-k";
import { sparsitySweep } from "./sparsity-sweep";
import { stabilityDistances } from "./stability-distances";
import { successiveLevels } from "./successive-levels";
import { perturbationRobustness } from "./perturbation";
import { flatness } from "./flatness";
import { retraining } from "./retraining";
import { greedyThreshold } from "./greedy-threshold";
import { greedyBaselines } from "./greedy-baselines";
import { greedyRate } from "./greedy-rate";
import { unstableDense } from "./unstable-dense";
import { unstablePerturbation, unstableRewindK, unstableSparsitySweep, unstableLateRewinding, unstableSuccessiveLevels } from "./unstable-sparse";
import { batchTickets } from "./batch-tickets";
import { batchRounds } from "./batch-rounds";
import { resnetDenseInstability, resnetRewindK, vggDenseInstability, vggRewindK } from "./cifar";
import { UserError } from "../util/errors";

/** Every figure by id. A new figure is one module plus one entry here. */
export const FIGURES: Figure<any>[] = [denseInstability, sparseAtInit, rewindK, sparsitySweep, stabilityDistances, successiveLevels, perturbationRobustness, flatness, retraining, unstableDense, unstableRewindK, unstableSparsitySweep, unstableLateRewinding, unstableSuccessiveLevels, unstablePerturbation, greedyThreshold, greedyBaselines, greedyRate, batchTickets, batchRounds, resnetDenseInstability, vggDenseInstability, resnetRewindK, vggRewindK];

export function getFigure(id: string): Figure<any> {
  const f = FIGURES.find((x) => x.id === id);
  if (!f) throw new UserError(`unknown figure "${id}"; run \`npm run figure -- --list\` to see the figures.`);
  return f;
}
