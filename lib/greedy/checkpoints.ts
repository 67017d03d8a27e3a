import { existsSync } from "node:fs";
import { RunConfig, runHash } from "../store/run-config";
import { loadWeights, runDir, savedSteps, statePath } from "../store/runs";
import { HostParams } from "../models/params";
import { UserError } from "../util/errors";

/** Pre-training checkpoints at a geometric series: 0, 1, 2, 4, ..., up to and including `total`. */
export function geometricSteps(total: number): number[] {
  if (!(Number.isInteger(total) && total >= 1)) throw new UserError(`training steps ${total} must be a positive integer.`);
  const steps = [0];
  for (let s = 1; s < total; s *= 2) steps.push(s);
  steps.push(total);
  return steps;
}

/** The weights of `run` at checkpoint `step`; one clear line when that checkpoint was never saved. */
export function checkpointWeights(run: RunConfig, step: number): HostParams {
  const dir = runDir(run);
  if (!existsSync(statePath(dir, step))) {
    const saved = savedSteps(dir);
    throw new UserError(
      `run ${runHash(run)} has no checkpoint at step ${step} (${saved.length ? `saved: ${saved.join(", ")}` : "none saved"}); pre-train it with that step among the checkpoints.`,
    );
  }
  return loadWeights(run, step);
}
