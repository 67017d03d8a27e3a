import { figureOn } from "../figure";
import { lateRewindingProtocol } from "../protocols/late-rewinding";
import { REWIND_GRID, REWIND_GRID_NOTES } from "../settings/lenet-mnist";

export const lateRewinding = figureOn(lateRewindingProtocol, {
  id: "stabilizing/late-rewinding",
  title: "Late rewinding, and pruning and data-order stability as L2 distances (LeNet-300-100)",
  presetNotes: REWIND_GRID_NOTES,
  presets: REWIND_GRID,
});
