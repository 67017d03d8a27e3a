import { parseArgs } from "node:util";
import { relative } from "node:path";
import { main } from "../lib/cli";
import { FIGURES } from "../lib/figures/registry";
import { PRESETS, Preset } from "../lib/figures/figure";
import { figureDir, renderFigure, runFigure } from "../lib/figures/run-figure";
import { decideBackend } from "../lib/figures/recorded-backend";
import { pinBackend } from "../lib/backend-choice";
import { UserError } from "../lib/util/errors";
import { parseSet } from "../lib/figures/config-set";
import { clearStatusLine, formatDuration } from "../lib/util/progress";
import { checkResultsWritable } from "../lib/store/writable";
import { DryRunStop, setExecutor } from "../lib/parallel/executor";
import { SLURM_FLAGS, executorFromFlags, submitDriver } from "../lib/parallel/slurm-cli";

const USAGE = `usage: npm run figure -- <figure-id> [--preset quick|cpu|paper] [--overwrite | --render-only] [--executor local|slurm ...]
       npm run figure -- --list

Reproduces a figure headless and writes results/figures/<figure-id>/<preset>/
(data.json, report.html, provenance.json). Trained runs are cached in results/runs/.
  --preset       quick (the default: a smoke size, not a result), cpu (the committed results) or paper
  --overwrite    replace committed results written at another commit (refused without it)
  --set P=V      change one field of the preset's config (repeatable), e.g. --set train.lr=0.05
                 --set initSeeds=[1,2]; V is read as JSON, else as text. Writes to
                 results/figures/<figure-id>/<preset>-set-<hash>/ (ignored by git), never over the preset's results
  --render-only  re-render report.html and the findings from the existing data.json with the current
                 code; the data and the commit that computed it are kept, provenance.json adds the
                 commit that rendered the report
Slurm (--executor slurm; results/ must be on a filesystem the compute nodes share):
  --partition P  --time T  --cpus-per-task N  --gres G (e.g. gpu:1)
                 passed to sbatch for every array element
  --max-parallel M  at most M elements of a wave at once (sbatch --array=...%M)
  --retries R    resubmit elements that did not finish up to R times (default 2)
  --detach       submit a driver job that runs the whole figure on the cluster; print its job id and return
  --dry-run      print the first wave's sbatch command and submit nothing
Environment variables (LOTTERY_RESULTS, LOTTERY_WORKERS, LOTTERY_BACKEND, ...): see the README's table.`;

/** `-preset quick` would parse as `-p reset`: an argument with one dash and several letters is a typo for `--`. */
function rejectSingleDashWords(args: string[]): void {
  const known = ["p", "l", "h"];
  for (const a of args) {
    if (a === "--") return;
    const m = /^-([A-Za-z][\w-]+)$/.exec(a);
    if (m && !known.includes(m[1])) throw new UserError(`unknown option "${a}"; long options take two dashes: --${m[1]}. Run \`npm run figure -- --help\` for usage.`);
  }
}

main(async () => {
  rejectSingleDashWords(process.argv.slice(2));
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        preset: { type: "string", short: "p", default: "quick" },
        list: { type: "boolean", short: "l" },
        overwrite: { type: "boolean" },
        "render-only": { type: "boolean" },
        set: { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
        ...SLURM_FLAGS,
      },
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
  if (values.overwrite && values["render-only"]) throw new UserError("--render-only keeps data.json as it is; it cannot be combined with --overwrite.");
  checkResultsWritable();
  const id = positionals[0];
  const executor = executorFromFlags(values);
  if (executor.kind === "slurm" && values["render-only"]) throw new UserError("--render-only computes nothing; it takes no --executor slurm.");
  if (values.detach) {
    if (executor.kind !== "slurm") throw new UserError("--detach needs --executor slurm.");
    console.log(submitDriver(id, values.preset!, executor.options, process.argv.slice(2)));
    return;
  }
  setExecutor(executor);
  const sets = (values.set ?? []).map(parseSet);
  if (sets.length && values["render-only"]) throw new UserError("--render-only keeps data.json as it is; it takes no --set.");
  if (!values["render-only"] && values.preset !== "quick" && !sets.length) {
    // Recompute a folder that holds a result on the backend that computed it (workers inherit the choice;
    // quick folders are smoke runs, not results).
    const { pin, line, settings } = decideBackend(figureDir(id, values.preset! as Preset));
    if (pin) pinBackend(pin);
    Object.assign(process.env, settings);
    if (line) console.log(line);
  }
  let run;
  try {
    run = values["render-only"] ? renderFigure(id, values.preset!) : await runFigure(id, values.preset!, { overwrite: values.overwrite, sets });
  } catch (e) {
    if (e instanceof DryRunStop) return;
    throw e;
  }
  clearStatusLine();
  for (const f of run.findings) console.log(`- ${f}`);
  const wrote = values["render-only"] ? "report.html, provenance.json; data.json kept" : "report.html, data.json, provenance.json";
  console.log(`wrote ${relative(process.cwd(), run.outDir)}/ (${wrote}) in ${formatDuration((Date.now() - started) / 1000)} on ${run.provenance.backend.name}`);
});
