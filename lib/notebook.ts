/**
 * What the notebooks import: run a figure, and HTML for its plots and tables. The notebooks stay thin;
 * all logic lives in the library the CLI and tests use too.
 */
export { runFigure } from "./figures/run-figure";
export { getFigure, FIGURES } from "./figures/registry";
export { plotlyScript, plotHtml } from "./report/plotly";
export { toDataFrame, dataFrameHtml } from "./report/table";
import { FigureRun } from "./figures/run-figure";
import { setProgressSink } from "./util/progress";

/** Progress lines go to the cell's output (stderr), at most every 10 s. */
setProgressSink((line) => console.error(line));

/** The preset a notebook runs: LOTTERY_PRESET, else the given default. */
export function notebookPreset(fallback = "cpu"): string {
  return process.env.LOTTERY_PRESET ?? fallback;
}

/** A one-paragraph summary of a finished figure run for a markdown-like cell output. */
export function summary(run: FigureRun): string {
  return [`${run.id} (${run.preset}) on ${run.provenance.backend.name}, ${run.provenance.wallSeconds.toFixed(0)} s:`, ...run.findings.map((f) => `  - ${f}`), `  results: ${run.outDir}`].join("\n");
}
