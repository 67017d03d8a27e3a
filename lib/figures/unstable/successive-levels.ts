import { Preset, figureOn } from "../figure";
import { SuccessiveLevelsConfig, successiveLevelsProtocol } from "../protocols/successive-levels";
import { UNSTABLE_GRID, UNSTABLE_GRID_NOTES, UNSTABLE_NETWORK, UNSTABLE_SETUP } from "../settings/lenet-fashion-sgd";

/** Unmasking's successive levels on the grid's IMP chains (same configs: the chains are reused). */
const levelsPreset = (p: Preset): SuccessiveLevelsConfig => ({ ...UNSTABLE_SETUP[p], rewindSteps: UNSTABLE_GRID[p].rewindSteps, maxLevel: Math.max(...UNSTABLE_GRID[p].levels), maskChoice: "child" });

export const unstableSuccessiveLevels = figureOn(successiveLevelsProtocol, {
  id: "unstable/successive-levels",
  title: `Error barriers between successive IMP levels on an unstable network (${UNSTABLE_NETWORK})`,
  presets: { quick: levelsPreset("quick"), cpu: levelsPreset("cpu"), paper: levelsPreset("paper") },
  presetNotes: UNSTABLE_GRID_NOTES,
});
