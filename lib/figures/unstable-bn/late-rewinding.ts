import { figureOn } from "../figure";
import { lateRewindingProtocol } from "../protocols/late-rewinding";
import { BN_GRID, BN_GRID_NOTES, BN_NETWORK } from "../settings/bn-mlp-cifar16";

export const bnLateRewinding = figureOn(lateRewindingProtocol, {
  id: "unstable-bn/late-rewinding",
  title: `Late rewinding, and pruning and data-order stability on a batch-norm network unstable at initialisation (${BN_NETWORK})`,
  presets: BN_GRID,
  presetNotes: BN_GRID_NOTES,
});
