import { rewindKFigure } from "../protocols/rewind-k";
import { REWIND_GRID, REWIND_GRID_NOTES } from "../settings/lenet-mnist";

export const rewindK = rewindKFigure({ id: "lmc/rewind-k", title: "IMP subnetworks vs the rewind step k (LeNet-300-100)", atInit: "stable", presets: REWIND_GRID, presetNotes: REWIND_GRID_NOTES });
