import { rewindKFigure } from "../protocols/rewind-k";
import { UNSTABLE_GRID, UNSTABLE_GRID_NOTES, UNSTABLE_NETWORK } from "../settings/lenet-fashion-sgd";

export const unstableRewindK = rewindKFigure({
  id: "unstable/rewind-k",
  title: `IMP subnetworks vs the rewind step k on an unstable network (${UNSTABLE_NETWORK})`,
  atInit: "unstable",
  presets: UNSTABLE_GRID,
  presetNotes: UNSTABLE_GRID_NOTES,
});
