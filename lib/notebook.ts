/**
 * What the notebooks import: run a figure, and HTML for its plots and tables. The notebooks stay thin;
 * all logic lives in the library the CLI and tests use too.
 */
import { join } from "node:path";
export { runFigure } from "./figures/run-figure";
export { getFigure, FIGURES } from "./figures/registry";
export { plotlyScript, plotHtml } from "./report/plotly";
export { toDataFrame, dataFrameHtml } from "./report/table";
import { FigureRun } from "./figures/run-figure";
import { REPO_ROOT } from "./store/paths";
import { setProgressSink } from "./util/progress";

/** Progress lines go to the cell's output (stderr), at most every 10 s. */
setProgressSink((line) => console.error(line));

/** The preset a notebook runs: LOTTERY_PRESET, else `quick` (a smoke size: "Run all" finishes in about a minute). */
export function notebookPreset(fallback = "quick"): string {
  return process.env.LOTTERY_PRESET ?? fallback;
}

/**
 * Where a notebook writes its report: a scratch folder, never the committed results/figures/ (those are
 * written by the CLI; see `npm run figure -- --help`). Under LOTTERY_RESULTS when that is set, else
 * scratch/notebooks/ in the repository (ignored by git). Trained runs are still shared through the run cache.
 */
export function notebookOutDir(id: string, preset: string): string {
  const base = process.env.LOTTERY_RESULTS ? join(process.env.LOTTERY_RESULTS, "notebooks") : join(REPO_ROOT, "scratch", "notebooks");
  return join(base, id, preset);
}

/** A one-paragraph summary of a finished figure run for a markdown-like cell output. */
export function summary(run: FigureRun): string {
  return [`${run.id} (${run.preset}) on ${run.provenance.backend.name}, ${run.provenance.wallSeconds.toFixed(0)} s:`, ...run.findings.map((f) => `  - ${f}`), `  results: ${run.outDir}`].join("\n");
}
