import { figureOn } from "../figure";
import { sparsitySweepProtocol } from "../protocols/sparsity-sweep";
import { UNSTABLE_GRID, UNSTABLE_GRID_NOTES, UNSTABLE_NETWORK } from "../settings/lenet-fashion-sgd";

export const unstableSparsitySweep = figureOn(sparsitySweepProtocol, {
  id: "unstable/sparsity-sweep",
  title: `Accuracy and instability vs sparsity on an unstable network: IMP, late rewinding and random baselines (${UNSTABLE_NETWORK})`,
  presets: UNSTABLE_GRID,
  presetNotes: UNSTABLE_GRID_NOTES,
});
