import { parseArgs } from "node:util";
import { execFileSync } from "node:child_process";
import { join, relative } from "node:path";
import { main } from "../lib/cli";
import { SEARCH_PLAN, UNSTABLE_CANDIDATES, UnstableCandidate, getCandidate, qualifies } from "../lib/search/unstable";
import { denseRun } from "../lib/lottery/subnetworks";
import { branchAt, copies } from "../lib/lmc/instability";
import { evenAlphas, STABILITY_THRESHOLD } from "../lib/lmc/barrier";
import { runTasks, workerCount } from "../lib/parallel/pool";
import { REPO_ROOT, resultsDir } from "../lib/store/paths";
import { writeJsonAtomic } from "../lib/util/atomic";
import { MeanStd, meanStd, pp } from "../lib/util/stats";
import { formatDuration } from "../lib/util/progress";
import { UserError } from "../lib/util/errors";

const USAGE = `usage: npm run search-unstable -- [--only name,name] [--screen-only]

Goes through the declared candidate settings (lib/search/unstable.ts): screens each for dense
instability at k = 0, fully checks the promising ones over k, prints a table and, for a whole search (neither
flag), writes results/search/unstable-regime.json. Runs and paths are cached in results/.`;

interface AtK {
  k: number;
  n: number;
  /** Per pair, in (init, pair) order. */
  instabilities: number[];
  instability: MeanStd;
  /** Test accuracy of the copies (the path's endpoints). */
  copyAccuracy: MeanStd;
}

interface Measurement {
  initSeeds: number[];
  pairs: number;
  /** Test accuracy of the dense parents (data order 0). */
  denseAccuracy: MeanStd;
  atK: AtK[];
  /** Training wall time of every run involved, as recorded when each was trained (cache-independent). */
  trainSeconds: number;
}

/** Dense instability at each k, with the library's waves: parents, copies, paths (all cached). */
async function measure(c: UnstableCandidate, ks: number[], initSeeds: number[], pairs: number): Promise<Measurement> {
  const options = { alphas: evenAlphas(SEARCH_PLAN.alphas), trainEvalSubset: SEARCH_PLAN.trainEvalSubset };
  const parents = initSeeds.map((s) => denseRun(c, s));
  // Every parent saves all the full check's branch points at once, so a later check does not retrain it.
  const dense = await runTasks(parents.map((config, i) => ({ kind: "run" as const, config, checkpoints: SEARCH_PLAN.full.ks, label: `${c.name} parent init ${initSeeds[i]}` })));
  const cells = parents.flatMap((parent) =>
    ks.flatMap((k) => Array.from({ length: pairs }, (_, p) => ({ k, runs: copies(branchAt(parent, k), [2 * p + 1, 2 * p + 2]) }))),
  );
  const trained = await runTasks(cells.flatMap((cell) => cell.runs.map((config, j) => ({ kind: "run" as const, config, label: `${c.name} k=${cell.k} copy ${j + 1}` }))));
  const paths = await runTasks(cells.map((cell) => ({ kind: "path" as const, a: cell.runs[0], b: cell.runs[1], options })));
  const atK = ks.map((k): AtK => {
    const here = paths.filter((_, i) => cells[i].k === k);
    const instabilities = here.map((p) => p.test.meanBarrier);
    const endpoints = here.flatMap((p) => [p.test.errors[0], p.test.errors[p.test.errors.length - 1]]);
    return { k, n: here.length, instabilities, instability: meanStd(instabilities), copyAccuracy: meanStd(endpoints.map((e) => 1 - e)) };
  });
  const trainSeconds = [...dense, ...trained].reduce((s, r) => s + r.wallSeconds, 0);
  return { initSeeds, pairs, denseAccuracy: meanStd(dense.map((d) => 1 - d.test.error)), atK, trainSeconds };
}

/** One searched setting: its screen, and the full check if it was promising (and within the budget). */
interface Setting extends UnstableCandidate {
  screen: Measurement;
  promising: boolean;
  full: Measurement | null;
  onsetK: number | null;
  qualifies: boolean;
  /** Wall time of this invocation for the setting (short where runs and paths came from the cache). */
  wallSeconds: number;
}

/** The first k at which the mean instability is below the 2 pp threshold (null: never). */
function onset(m: Measurement): number | null {
  return m.atK.find((a) => a.instability.mean < STABILITY_THRESHOLD)?.k ?? null;
}

function git(args: string[]): string | null {
  try {
    return execFileSync("git", args, { cwd: REPO_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return null;
  }
}

const cell = (m: MeanStd, digits = 2) => pp(m.mean, m.std, digits);

main(async () => {
  let parsed;
  try {
    parsed = parseArgs({ options: { only: { type: "string" }, "screen-only": { type: "boolean" }, help: { type: "boolean", short: "h" } } });
  } catch (e) {
    throw new UserError(`${(e as Error).message.split("\n")[0]}. Run \`npm run search-unstable -- --help\` for usage.`);
  }
  const { values } = parsed;
  if (values.help) return console.log(USAGE);
  const candidates = values.only ? values.only.split(",").map((n) => getCandidate(n.trim())) : UNSTABLE_CANDIDATES;
  const started = Date.now();
  const settings: Setting[] = [];
  let fullChecks = 0;
  for (const c of candidates) {
    const t0 = Date.now();
    const screen = await measure(c, [0], SEARCH_PLAN.screen.initSeeds, SEARCH_PLAN.screen.pairs);
    const k0 = screen.atK[0];
    console.log(`${c.name}: dense ${cell(screen.denseAccuracy)} %, k = 0 instability ${cell(k0.instability)} pp (n = ${k0.n})`);
    const promising = k0.instability.mean >= SEARCH_PLAN.promising;
    const check = promising && !values["screen-only"] && fullChecks++ < SEARCH_PLAN.maxFullChecks;
    const full = check ? await measure(c, SEARCH_PLAN.full.ks, SEARCH_PLAN.full.initSeeds, SEARCH_PLAN.full.pairs) : null;
    if (full) for (const a of full.atK) console.log(`  k = ${a.k}: ${cell(a.instability)} pp (n = ${a.n}), copies ${cell(a.copyAccuracy)} %`);
    const onsetK = full ? onset(full) : null;
    settings.push({ ...c, screen, promising, full, onsetK, qualifies: full ? qualifies(full.atK, onsetK, c.train.steps) : false, wallSeconds: (Date.now() - t0) / 1000 });
  }

  const header = ["setting", "dense acc (%)", "k=0 screen (pp)", "n", "k=0 full (pp)", "n", "onset k", "qualifies"];
  const rows = settings.map((s) => {
    const f0 = s.full?.atK[0];
    return [s.name, cell(s.screen.denseAccuracy), cell(s.screen.atK[0].instability), String(s.screen.atK[0].n), f0 ? cell(f0.instability) : "-", f0 ? String(f0.n) : "-", s.onsetK === null ? "-" : String(s.onsetK), s.qualifies ? "yes" : "no"];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const r of [header, ...rows]) console.log(r.map((v, i) => v.padEnd(widths[i])).join("  "));

  if (values.only || values["screen-only"]) return console.log("(a partial search: results/search/unstable-regime.json is written only for the whole one)");
  const out = join(resultsDir(), "search", "unstable-regime.json");
  writeJsonAtomic(out, {
    plan: SEARCH_PLAN,
    threshold: STABILITY_THRESHOLD,
    gitCommit: git(["rev-parse", "HEAD"]),
    gitDirty: (git(["status", "--porcelain", "--untracked-files=no"]) ?? "").length > 0,
    workers: workerCount(),
    startedAt: new Date(started).toISOString(),
    wallSeconds: (Date.now() - started) / 1000,
    settings,
  });
  console.log(`wrote ${relative(process.cwd(), out)} in ${formatDuration((Date.now() - started) / 1000)}`);
});
