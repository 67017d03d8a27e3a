import { figureOn } from "../figure";
import { sparsitySweepProtocol } from "../protocols/sparsity-sweep";
import { REWIND_GRID, REWIND_GRID_NOTES } from "../settings/lenet-mnist";

export const sparsitySweep = figureOn(sparsitySweepProtocol, {
  id: "lmc/sparsity-sweep",
  title: "Accuracy and instability vs sparsity: IMP, late rewinding and random baselines (LeNet-300-100)",
  presetNotes: REWIND_GRID_NOTES,
  presets: REWIND_GRID,
});
