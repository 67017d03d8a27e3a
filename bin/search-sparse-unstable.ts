import { parseArgs } from "node:util";
import { join, relative } from "node:path";
import { main } from "../lib/cli";
import { SPARSE_CANDIDATES, SPARSE_PLAN, SparseCandidate, SparseMeasurement, getSparseCandidate, measureSparse } from "../lib/search/sparse-unstable";
import { workerCount } from "../lib/parallel/pool";
import { resultsDir } from "../lib/store/paths";
import { gitState } from "../lib/report/provenance";
import { initBackend } from "../lib/backend";
import { writeJsonAtomic } from "../lib/util/atomic";
import { MeanStd, pp } from "../lib/util/stats";
import { formatDuration } from "../lib/util/progress";
import { UserError } from "../lib/util/errors";

const USAGE = `usage: npm run search-sparse-unstable -- [--only name,name]

Measures each declared candidate setting (lib/search/sparse-unstable.ts) for the LMC paper's sparse result:
the dense instability at k = 0, and IMP subnetworks rewound to k = 0 and to a late k at two densities: their
accuracy against the dense one (matching margins) and their instability. Prints a table per setting and, for
a whole search, writes results/search/sparse-unstable.json (each setting is also written as it finishes, so
an interrupted search resumes from the run cache). Runs and paths are cached in results/.`;

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
  const head = `${c.name}: dense ${cell(m.denseAccuracy)} % (${m.denseRuns} runs), dense k = 0 instability ${cell(m.denseInstability.instability)} pp, stable: ${m.denseInstability.stable}; late k = ${m.lateK}; shows the sparse result: ${m.shows ? "YES" : "no"}`;
  return [head, ...rows.map((r) => "  " + r.map((v, i) => v.padEnd(widths[i])).join("  "))].join("\n");
}

main(async () => {
  let parsed;
  try {
    parsed = parseArgs({ options: { only: { type: "string" }, help: { type: "boolean", short: "h" } } });
  } catch (e) {
    throw new UserError(`${(e as Error).message.split("\n")[0]}. Run \`npm run search-sparse-unstable -- --help\` for usage.`);
  }
  const { values } = parsed;
  if (values.help) return console.log(USAGE);
  const candidates = values.only ? values.only.split(",").map((n) => getSparseCandidate(n.trim())) : SPARSE_CANDIDATES;
  const started = Date.now();
  const git = gitState();
  const backend = await initBackend(candidates[0].model);
  const settings: (SparseCandidate & { measurement: SparseMeasurement; wallSeconds: number })[] = [];
  const out = join(resultsDir(), "search", "sparse-unstable.json");
  for (const c of candidates) {
    const t0 = Date.now();
    const measurement = await measureSparse(c);
    settings.push({ ...c, measurement, wallSeconds: (Date.now() - t0) / 1000 });
    console.log(table(c, measurement));
    if (!values.only)
      writeJsonAtomic(out, {
        plan: SPARSE_PLAN,
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
  if (values.only) return console.log("(a partial search: results/search/sparse-unstable.json is written only for the whole one)");
  console.log(`wrote ${relative(process.cwd(), out)} in ${formatDuration((Date.now() - started) / 1000)}`);
});
