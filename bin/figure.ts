import { parseArgs } from "node:util";
import { relative } from "node:path";
import { main } from "../lib/cli";
import { FIGURES } from "../lib/figures/registry";
import { PRESETS } from "../lib/figures/figure";
import { runFigure } from "../lib/figures/run-figure";
import { UserError } from "../lib/util/errors";
import { formatDuration } from "../lib/util/progress";

const USAGE = `usage: npm run figure -- <figure-id> [--preset quick|cpu|paper]
       npm run figure -- --list

Reproduces a figure headless and writes results/figures/<figure-id>/<preset>/
(data.json, report.html, provenance.json). Trained runs are cached in results/runs/.
Environment: LOTTERY_BACKEND=tensorflow|wasm|cpu forces a backend; LOTTERY_RESULTS moves results/.`;

main(async () => {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: { preset: { type: "string", short: "p", default: "quick" }, list: { type: "boolean", short: "l" }, help: { type: "boolean", short: "h" } },
    });
  } catch (e) {
    throw new UserError(`${(e as Error).message.split("\n")[0]}. Run \`npm run figure -- --help\` for usage.`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (values.list) {
    for (const f of FIGURES) console.log(`${f.id.padEnd(28)} ${f.title}`);
    return;
  }
  if (positionals.length !== 1) throw new UserError(`expected one figure id, got ${positionals.length}. Run \`npm run figure -- --list\` to see the figures.`);
  if (!(PRESETS as readonly string[]).includes(values.preset!)) throw new UserError(`unknown preset "${values.preset}"; use one of: ${PRESETS.join(", ")}.`);
  const started = Date.now();
  const run = await runFigure(positionals[0], values.preset!);
  for (const f of run.findings) console.log(`- ${f}`);
  console.log(`wrote ${relative(process.cwd(), run.outDir)}/ (report.html, data.json, provenance.json) in ${formatDuration((Date.now() - started) / 1000)} on ${run.provenance.backend.name}`);
});
