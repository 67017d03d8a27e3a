/**
 * The time-to-figure row's command on our side: `tsx bench/figure-run.ts <figure-id> <preset> '<config json>'`
 * computes and writes the figure through the library (lib/figures/run-figure.ts, as `npm run figure` does)
 * with that config, into LOTTERY_RESULTS, which the driver points at an empty folder. It prints one line:
 * the number of runs the cache then holds (the driver checks it against the plan).
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { main } from "../lib/cli";
import { runFigure } from "../lib/figures/run-figure";
import { resultsDir, runsDir } from "../lib/store/paths";
import { setProgressSink } from "../lib/util/progress";

main(async () => {
  const [id, preset, json] = process.argv.slice(2);
  setProgressSink(null);
  const config = JSON.parse(json) as Record<string, unknown>;
  const run = await runFigure(id, preset, { overrides: config, outDir: join(resultsDir(), "figure") });
  const runs = readdirSync(runsDir()).length;
  process.stdout.write(`${JSON.stringify({ runs, backend: run.provenance.backend })}\n`);
});
