import { parseArgs } from "node:util";
import { join, relative } from "node:path";
import { main } from "../lib/cli";
import { SPARSE_STAGES, SparseCandidate, SparseMeasurement, SparseStage, getSparseCandidate, measureSparse } from "../lib/search/sparse-unstable";
import { workerCount } from "../lib/parallel/pool";
import { resultsDir } from "../lib/store/paths";
import { gitState } from "../lib/report/provenance";
import { initBackend } from "../lib/backend";
import { writeJsonAtomic } from "../lib/util/atomic";
import { MeanStd, pp } from "../lib/util/stats";
import { formatDuration } from "../lib/util/progress";
import { UserError } from "../lib/util/errors";

const USAGE = `usage: npm run search-sparse-unstable -- [--stage 1|2|3] [--only name,name]

Measures each declared candidate setting (lib/search/sparse-unstable.ts) for the LMC paper's sparse result:
the dense instability at k = 0, and IMP subnetworks rewound to k = 0 and to late steps at a few densities:
their accuracy against the dense one (matching margins) and their instability. The search has stages, each
declared after the previous one had run (without --stage: every stage, in order). Prints a table per setting
and, for a whole stage, writes its JSON under results/search/ (sparse-unstable.json for stage 1,
sparse-unstable-stage2.json and -stage3.json for stages 2 and 3; rewritten as each setting finishes, so an interrupted search
resumes from the run cache). --only measures the named settings by one stage's plan (stage 1 unless --stage
says otherwise) and writes no JSON. Runs and paths are cached in results/.`;

const cell = (m: MeanStd) => pp(m.mean, m.std, 2);

function table(c: SparseCandidate, m: SparseMeasurement): string {
  const rows = [
    ["k", "density (%)", "IMP acc (%)", "matching (margin, pp)", "instability (pp)", "stable", "kept norm at k, effective step x (per pruned layer)"],
    ...m.cells.map((x) => [
      String(x.k),
      (100 * x.density).toFixed(1),
      cell(x.accuracy),
      `${x.matching.matching ? "yes" : "no"}${x.matching.borderline ? " (borderline)" : ""} (${(100 * x.matching.margin).toFixed(2)} ± ${(100 * x.matching.noise).toFixed(2)})`,
      cell(x.instability),
      x.stable,
      x.scales.map((l) => `${l.layer.replace(".weight", "")} ${l.normKept.toFixed(2)} x${l.effectiveStepRatio.toFixed(1)}`).join(", "),
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const head = `${c.name}: dense ${cell(m.denseAccuracy)} % (${m.denseRuns} runs), dense k = 0 instability ${cell(m.denseInstability.instability)} pp, stable: ${m.denseInstability.stable}; late k = ${[m.lateK, ...(m.laterKs ?? [])].join(", ")}; shows the sparse result: ${m.shows ? "YES" : "no"}`;
  return [head, ...rows.map((r) => "  " + r.map((v, i) => v.padEnd(widths[i])).join("  "))].join("\n");
}

async function runStage(stage: SparseStage, only: SparseCandidate[] | null): Promise<void> {
  const candidates = only ?? stage.candidates;
  const started = Date.now();
  const git = gitState();
  const backend = await initBackend(candidates[0].model);
  const settings: (SparseCandidate & { measurement: SparseMeasurement; wallSeconds: number })[] = [];
  const out = join(resultsDir(), "search", stage.file);
  console.log(`stage ${stage.stage}: ${candidates.map((c) => c.name).join(", ")}`);
  for (const c of candidates) {
    const t0 = Date.now();
    const measurement = await measureSparse(c, stage.plan);
    settings.push({ ...c, measurement, wallSeconds: (Date.now() - t0) / 1000 });
    console.log(table(c, measurement));
    if (!only)
      writeJsonAtomic(out, {
        ...(stage.stage > 1 ? { stage: stage.stage } : {}),
        plan: stage.plan,
        complete: settings.length === candidates.length,
        gitCommit: git.commit,
        gitDirty: git.dirty,
        backend: backend.name,
        workers: workerCount(),
        startedAt: new Date(started).toISOString(),
        wallSeconds: (Date.now() - started) / 1000,
        settings,
      });
  }
  if (only) return console.log(`(a partial stage: results/search/${stage.file} is written only for the whole stage)`);
  console.log(`wrote ${relative(process.cwd(), out)} in ${formatDuration((Date.now() - started) / 1000)}`);
}

main(async () => {
  let parsed;
  try {
    parsed = parseArgs({ options: { stage: { type: "string" }, only: { type: "string" }, help: { type: "boolean", short: "h" } } });
  } catch (e) {
    throw new UserError(`${(e as Error).message.split("\n")[0]}. Run \`npm run search-sparse-unstable -- --help\` for usage.`);
  }
  const { values } = parsed;
  if (values.help) return console.log(USAGE);
  // --only measures by one stage's plan: the one named, else the first
  const stages = values.stage !== undefined ? SPARSE_STAGES.filter((s) => String(s.stage) === values.stage) : values.only ? SPARSE_STAGES.slice(0, 1) : SPARSE_STAGES;
  if (stages.length === 0) throw new UserError(`--stage ${values.stage} is not a stage of the search; choose from: ${SPARSE_STAGES.map((s) => s.stage).join(", ")}.`);
  const only = values.only ? values.only.split(",").map((n) => getSparseCandidate(n.trim())) : null;
  for (const stage of stages) await runStage(stage, only);
});
