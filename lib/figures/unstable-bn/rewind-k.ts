import { rewindKFigure } from "../protocols/rewind-k";
import { BN_GRID, BN_GRID_NOTES, BN_NETWORK } from "../settings/bn-mlp-cifar16";

export const bnRewindK = rewindKFigure({
  id: "unstable-bn/rewind-k",
  title: `IMP subnetworks vs the rewind step k on a batch-norm network unstable at initialisation (${BN_NETWORK})`,
  atInit: "unstable",
  premise: true,
  presets: BN_GRID,
  presetNotes: BN_GRID_NOTES,
});
