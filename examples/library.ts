// A lottery ticket and its instability, from the library: `npx tsx examples/library.ts` (about a minute).
import { ensureRun } from "../lib/materialise/run";
import { impLevel } from "../lib/prune/imp";
import { instability } from "../lib/lmc/instability";
import { evenAlphas } from "../lib/lmc/barrier";
import { lenetPaperTraining } from "../lib/train/recipes";
import { RunConfig } from "../lib/store/run-config";

async function main(): Promise<void> {
  // The paper's LeNet setting, shortened: 5,000 MNIST examples and 1,000 steps per run (the paper: 60k, 24k).
  const dense: RunConfig = { model: "lenet-300-100", data: { dataset: "mnist", trainSubset: 5000 }, train: lenetPaperTraining(1000), initSeed: 1, dataSeed: 0 };
  const ticket = impLevel({ dense, rewindStep: 0, fraction: 0.5, scope: "global" }, 3); // 12.5 % of fc1/fc2
  let computed = false; // set when the ticket's states are trained and saved, rather than found in the cache
  const trained = await ensureRun(ticket, { onSaved: () => (computed = true) }); // trains levels 0..3, each cached in results/runs/
  if (!computed) console.log(`cached: ${trained.finalStep} steps, test loss ${trained.test.loss.toFixed(4)}, trained in ${trained.wallSeconds.toFixed(0)} s on ${trained.backend}`);
  const path = await instability({ start: ticket, childSeeds: [1, 2], alphas: evenAlphas(11), trainEvalSubset: 2000 });
  console.log(`IMP ticket at 12.5 % density, rewound to k = 0: test accuracy ${(100 * trained.test.accuracy).toFixed(2)} %`);
  console.log(`instability (max test error on the path minus the endpoints' mean): ${(100 * path.test.meanBarrier).toFixed(2)} pp`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
