import { figureOn } from "../figure";
import { lateRewindingProtocol } from "../protocols/late-rewinding";
import { UNSTABLE_GRID, UNSTABLE_GRID_NOTES, UNSTABLE_NETWORK } from "../settings/lenet-fashion-sgd";

export const unstableLateRewinding = figureOn(lateRewindingProtocol, {
  id: "unstable/late-rewinding",
  title: `Late rewinding, and pruning and data-order stability on an unstable network (${UNSTABLE_NETWORK})`,
  presets: UNSTABLE_GRID,
  presetNotes: UNSTABLE_GRID_NOTES,
});
