import { Figure } from "./figure";
import { denseInstability } from "./lmc/dense-instability";
import { sparseAtInit } from "./lmc/sparse-k0";
import { rewindK } from "./lmc/rewind-k";
import { sparsitySweep } from "./lmc/sparsity-sweep";
import { lateRewinding } from "./stabilizing/late-rewinding";
import { successiveLevels } from "./unmasking/successive-levels";
import { perturbationRobustness } from "./unmasking/perturbation";
import { flatness } from "./unmasking/flatness";
import { retraining } from "./unmasking/retraining";
import { unstableDense } from "./unstable/dense-instability";
import { unstableRewindK } from "./unstable/rewind-k";
import { unstableSparsitySweep } from "./unstable/sparsity-sweep";
import { unstableLateRewinding } from "./unstable/late-rewinding";
import { unstableSuccessiveLevels } from "./unstable/successive-levels";
import { unstablePerturbation } from "./unstable/perturbation";
import { bnRewindK } from "./unstable-bn/rewind-k";
import { bnSparsitySweep } from "./unstable-bn/sparsity-sweep";
import { bnLateRewinding } from "./unstable-bn/late-rewinding";
import { bnSuccessiveLevels } from "./unstable-bn/successive-levels";
import { bnPerturbation } from "./unstable-bn/perturbation";
import { plainVsBn } from "./unstable-bn/plain-vs-bn";
import { greedyThreshold } from "./gfs/pretraining-threshold";
import { greedyBaselines } from "./gfs/baselines";
import { greedyRate } from "./gfs/size-rate";
import { batchTickets } from "./maene/tickets-vs-batch";
import { batchRounds } from "./maene/successive-rounds";
import { resnetDenseInstability } from "./resnet20/dense-instability";
import { resnetRewindK } from "./resnet20/rewind-k";
import { vggDenseInstability } from "./vgg16/dense-instability";
import { vggRewindK } from "./vgg16/rewind-k";
import { UserError } from "../util/errors";

/** Every figure by id. A new figure is one module, lib/figures/<paper>/<figure>.ts as its id says, plus one entry here. */
export const FIGURES: Figure<any>[] = [denseInstability, sparseAtInit, rewindK, sparsitySweep, lateRewinding, successiveLevels, perturbationRobustness, flatness, retraining, unstableDense, unstableRewindK, unstableSparsitySweep, unstableLateRewinding, unstableSuccessiveLevels, unstablePerturbation, bnRewindK, bnSparsitySweep, bnLateRewinding, bnSuccessiveLevels, bnPerturbation, plainVsBn, greedyThreshold, greedyBaselines, greedyRate, batchTickets, batchRounds, resnetDenseInstability, vggDenseInstability, resnetRewindK, vggRewindK];

export function getFigure(id: string): Figure<any> {
  const f = FIGURES.find((x) => x.id === id);
  if (!f) throw new UserError(`unknown figure "${id}"; run \`npm run figure -- --list\` to see the figures.`);
  return f;
}
