import { Preset, figureOn } from "../figure";
import { SuccessiveLevelsConfig, successiveLevelsProtocol } from "../protocols/successive-levels";
import { BN_GRID, BN_GRID_NOTES, BN_NETWORK, BN_SETUP } from "../settings/bn-mlp-cifar16";

/** Unmasking's successive levels on the rewind grid's IMP chains (the same configs: the chains are reused). */
const levelsPreset = (p: Preset): SuccessiveLevelsConfig => ({ ...BN_SETUP[p], rewindSteps: BN_GRID[p].rewindSteps, maxLevel: Math.max(...BN_GRID[p].levels), maskChoice: "child" });

export const bnSuccessiveLevels = figureOn(successiveLevelsProtocol, {
  id: "unstable-bn/successive-levels",
  title: `Error barriers between successive IMP levels on a batch-norm network unstable at initialisation (${BN_NETWORK})`,
  presets: { quick: levelsPreset("quick"), cpu: levelsPreset("cpu"), paper: levelsPreset("paper") },
  presetNotes: BN_GRID_NOTES,
});
