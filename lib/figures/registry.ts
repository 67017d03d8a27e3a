import { Figure } from "./figure";
import { denseInstability } from "./lmc/dense-instability";
import { sparseAtInit } from "./lmc/sparse-k0";
import { rewindK } from "./protocols/rewind-k";
import { sparsitySweep } from "./protocols/sparsity-sweep";
import { stabilityDistances } from "./protocols/late-rewinding";
import { successiveLevels } from "./protocols/successive-levels";
import { perturbationRobustness } from "./protocols/perturbation";
import { flatness } from "./unmasking/flatness";
import { retraining } from "./unmasking/retraining";
import { greedyThreshold } from "./gfs/pretraining-threshold";
import { greedyBaselines } from "./gfs/baselines";
import { greedyRate } from "./gfs/size-rate";
import { unstableDense } from "./protocols/dense-instability-variants";
import { unstablePerturbation, unstableRewindK, unstableSparsitySweep, unstableLateRewinding, unstableSuccessiveLevels } from "./settings/lenet-fashion-sgd";
import { batchTickets } from "./maene/tickets-vs-batch";
import { batchRounds } from "./maene/successive-rounds";
import { resnetDenseInstability, resnetRewindK, vggDenseInstability, vggRewindK } from "./settings/cifar10";
import { UserError } from "../util/errors";

/** Every figure by id. A new figure is one module plus one entry here. */
export const FIGURES: Figure<any>[] = [denseInstability, sparseAtInit, rewindK, sparsitySweep, stabilityDistances, successiveLevels, perturbationRobustness, flatness, retraining, unstableDense, unstableRewindK, unstableSparsitySweep, unstableLateRewinding, unstableSuccessiveLevels, unstablePerturbation, greedyThreshold, greedyBaselines, greedyRate, batchTickets, batchRounds, resnetDenseInstability, vggDenseInstability, resnetRewindK, vggRewindK];

export function getFigure(id: string): Figure<any> {
  const f = FIGURES.find((x) => x.id === id);
  if (!f) throw new UserError(`unknown figure "${id}"; run \`npm run figure -- --list\` to see the figures.`);
  return f;
}
