import { Preset } from "../figure";
import { SparseSetup } from "../../lottery/subnetworks";
import { getSparseCandidate } from "../../search/sparse-unstable";
import { BN_SETUP } from "./bn-mlp-cifar16";

/**
 * The batch-norm network's plain control: LeNet-300-100 without batch norm on the same data (CIFAR-10 16x16) and
 * schedule (1,500 steps, momentum 0.9, weight decay 1e-4, batch 128, the rate x0.1 at 1,000), at rate 0.1, the
 * sparse search's `fc-cifar16-sgd0.1`: its dense network is unstable at k = 0 and its IMP subnetworks were stable.
 */
export const PLAIN_SETTING = getSparseCandidate("fc-cifar16-sgd0.1");

export const PLAIN_NETWORK = "LeNet-300-100 without batch norm, CIFAR-10 16x16, SGD 0.1";

/** The batch-norm setup with the plain model and its rate; the dense reference is the parents (matching is not used). */
export const PLAIN_SETUP: Record<Preset, SparseSetup> = {
  quick: { ...withoutBatchNormPath(BN_SETUP.quick), model: PLAIN_SETTING.model, train: { ...BN_SETUP.quick.train, lr: PLAIN_SETTING.train.lr } },
  cpu: { ...withoutReference(BN_SETUP.cpu), model: PLAIN_SETTING.model, train: PLAIN_SETTING.train },
  paper: { ...withoutReference(BN_SETUP.paper), model: PLAIN_SETTING.model, train: PLAIN_SETTING.train },
};

function withoutReference(s: SparseSetup): SparseSetup {
  const { denseReference: _, ...rest } = s;
  return rest;
}

/** A plain network has no batch-norm statistics to treat along paths. */
function withoutBatchNormPath(s: SparseSetup): SparseSetup {
  const { batchNorm: _, ...rest } = s;
  return rest;
}
