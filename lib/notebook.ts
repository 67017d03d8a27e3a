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
import { FigureRun, FigureSession, finishFigure, startFigure } from "./figures/run-figure";
import { getFigure } from "./figures/registry";
import { tableHtml } from "./report/table";
import { Table } from "./report/table";
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

/** A fresh, editable copy of a figure's preset config: change any field and run the cells below it again. */
export function figureConfig<C = any>(id: string, preset: string): C {
  const config = getFigure(id).presets[preset as keyof ReturnType<typeof getFigure>["presets"]];
  if (config === undefined) throw new Error(`unknown preset "${preset}"`);
  return structuredClone(config) as C;
}

/**
 * A figure's method one step per cell, with the notebook's config: `const parents = await walk.parents()`,
 * ..., `const data = await walk.summarise()`, then `walk.report()` writes data.json and the report exactly
 * as `npm run figure` would (to the notebook's scratch folder). The steps are the figure's own
 * (Figure.steps), so the CLI runs the same code; each step returns its result, reads the results of the
 * steps before it, and finds what earlier steps or earlier sessions trained in the run cache.
 */
export type Walkthrough = {
  /** The step ids, in order; each is also a method of the walkthrough that runs it. */
  readonly steps: string[];
  /** What each step run so far returned, by step id. */
  readonly results: Record<string, unknown>;
  /** Runs one step by id (after the steps before it) and returns its result. */
  step(id: string): Promise<any>;
  report(): FigureRun;
} & { [step: string]: any };

export function walkthrough(id: string, preset: string, config: object): Walkthrough {
  const figure = getFigure(id);
  if (!figure.steps) throw new Error(`${id} is not written as steps; use runFigure`);
  const steps = figure.steps;
  const results: Record<string, unknown> = {};
  let session: FigureSession | null = null;
  const step = async (stepId: string) => {
    const at = steps.findIndex((s) => s.id === stepId);
    if (at < 0) throw new Error(`${id} has no step "${stepId}"; its steps: ${steps.map((s) => s.id).join(", ")}`);
    const missing = steps.slice(0, at).filter((s) => !(s.id in results)).map((s) => s.id);
    if (missing.length) throw new Error(`run the steps before ${stepId} first: ${missing.join(", ")}`);
    session ??= await startFigure(id, preset, { outDir: notebookOutDir(id, preset), config });
    const started = Date.now();
    results[stepId] = await steps[at].run(config, results);
    console.log(`${stepId}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return results[stepId];
  };
  const walk: Walkthrough = {
    steps: steps.map((s) => s.id),
    results,
    step,
    report() {
      const missing = steps.filter((s) => !(s.id in results)).map((s) => s.id);
      if (!session || missing.length) throw new Error(`run the steps first: ${missing.join(", ")}`);
      return finishFigure(session, results[steps[steps.length - 1].id] as object);
    },
  };
  for (const s of steps) {
    if (s.id in walk) throw new Error(`${id}: a step may not be named "${s.id}"`);
    walk[s.id] = () => step(s.id);
  }
  return walk;
}

/** One of a figure run's plots by id, drawn in its own cell. */
export function showPlot(run: FigureRun, id: string): void {
  const plot = run.plots.find((p) => p.id === id);
  if (!plot) throw new Error(`no plot "${id}"; this run has: ${run.plots.map((p) => p.id).join(", ")}`);
  displayPlot(plot);
}

/** One of a figure run's tables by id, as a danfo DataFrame rendered as an HTML table. */
export function showTable(run: FigureRun, id: string): void {
  const table = run.tables.find((t: Table) => t.id === id);
  if (!table) throw new Error(`no table "${id}"; this run has: ${run.tables.map((t: Table) => t.id).join(", ")}`);
  displayBundle({ "text/html": tableHtml(table), "text/plain": `${table.title} (${table.rows.length} rows)` });
}
