import { Preset, figureOn } from "../figure";
import { SuccessiveLevelsConfig, successiveLevelsProtocol } from "../protocols/successive-levels";
import { UNMASKING_NOTES, UNMASKING_SETUP } from "../settings/lenet-mnist";

/** The Unmasking IMP chains; each path between levels L and L+1 is evaluated under level L+1's mask. */
const presets = Object.fromEntries(Object.entries(UNMASKING_SETUP).map(([p, s]) => [p, { ...s, maskChoice: "child" as const }])) as Record<Preset, SuccessiveLevelsConfig>;

export const successiveLevels = figureOn(successiveLevelsProtocol, {
  id: "unmasking/successive-levels",
  title: "Error barriers between successive IMP levels (LeNet-300-100)",
  presetNotes: UNMASKING_NOTES,
  presets,
});
