import { figureOn } from "../figure";
import { sparsitySweepProtocol } from "../protocols/sparsity-sweep";
import { BN_GRID, BN_GRID_NOTES, BN_NETWORK } from "../settings/bn-mlp-cifar16";

export const bnSparsitySweep = figureOn(sparsitySweepProtocol, {
  id: "unstable-bn/sparsity-sweep",
  title: `Accuracy and instability vs sparsity on a batch-norm network unstable at initialisation: IMP, late rewinding and random baselines (${BN_NETWORK})`,
  presets: BN_GRID,
  presetNotes: BN_GRID_NOTES,
});
