/**
 * What the notebooks import: run a figure, and HTML for its plots and tables. The notebooks stay thin;
 * all logic lives in the library the CLI and tests use too.
 */
import { dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
export { runFigure } from "./figures/run-figure";
export { getFigure, FIGURES } from "./figures/registry";
export { plotlyScript, plotHtml, plotMimeBundle } from "./report/plotly";
export { toDataFrame, dataFrameHtml } from "./report/table";
import { FigureRun } from "./figures/run-figure";
import { REPO_ROOT } from "./store/paths";
import { captionHtml, Plot, plotMimeBundle } from "./report/plotly";
import { splitReportBody } from "./report/html";
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

type WriteDisplayData = (content: { data: Record<string, unknown>; metadata: object; transient: object }, update: boolean) => void;

/**
 * tslab's public `display` sends one MIME type per output; a plot needs a bundle of several (Plotly's JSON
 * and an HTML fallback), which the Jupyter protocol allows. This sends one through the function tslab's
 * own display uses: `lastWriteDisplayData` of the kernel's tslab/dist/jupyter module (found next to the
 * `tslab` module the kernel hands to notebook code, so it is the running kernel's instance). Null outside
 * a tslab kernel.
 */
function kernelDisplay(): WriteDisplayData | null {
  let publicApi: unknown;
  try {
    publicApi = require("tslab");
  } catch {
    return null;
  }
  const cache = require.cache as Record<string, NodeModule | undefined>;
  const publicPath = Object.keys(cache).find((k) => cache[k]?.exports === publicApi);
  const jupyterPath = publicPath ? join(dirname(publicPath), "jupyter.js") : null;
  const jupyter = jupyterPath && cache[jupyterPath] ? cache[jupyterPath]!.exports : null;
  const write = jupyter?.lastWriteDisplayData;
  return typeof write === "function" ? write : null;
}

/** Shows a MIME bundle as one cell output (frontends pick the richest type they can render). */
export function displayBundle(data: Record<string, unknown>): void {
  const write = kernelDisplay();
  if (write) {
    write({ data, metadata: {}, transient: {} }, false);
    return;
  }
  // Not in a tslab kernel we can reach: the HTML alone, through tslab's public API.
  const tslab = require("tslab") as typeof import("tslab");
  tslab.display.html(String(data["text/html"] ?? ""));
}

/** Shows one plot: Plotly's JSON for JupyterLab's Plotly renderer, with the `<div>` + script as fallback. */
export function displayPlot(plot: Plot): void {
  // A fresh id per display: the same figure may be shown in two notebooks, or twice, on one page.
  displayBundle(plotMimeBundle(plot, `plot-${plot.id}-${randomBytes(4).toString("hex")}`));
  if (plot.caption) displayBundle({ "text/html": captionHtml(plot), "text/plain": plot.caption });
}

/**
 * Shows a figure run's report in the notebook: its HTML (claims, findings, tables) with each plot as a MIME
 * bundle of its own (displayPlot). In JupyterLab with Plotly's extension (the Python `plotly` package) the
 * plots draw without trusting the notebook; elsewhere the HTML fallback draws them after plotlyScript().
 */
export function displayReport(run: FigureRun): void {
  for (const part of splitReportBody(run.bodyHtml, run.plots)) {
    if ("plot" in part) displayPlot(part.plot);
    else displayBundle({ "text/html": part.html });
  }
}
