import { readFileSync } from "node:fs";

/** A Plotly figure as plain data: traces and layout, exactly what Plotly.newPlot takes. */
export interface Plot {
  id: string;
  title: string;
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
  /** What the lines, bands, error bars and dashed lines show (printed under the plot). */
  caption?: string;
}

/**
 * The official prebuilt Plotly bundle inlined into reports and notebooks: the smallest one that has every
 * trace type the figures draw (scatter and box; the "basic" bundle has no box). 1.4 MB instead of the full
 * plotly.js-dist's 4.8 MB minified. Its version is the one in package.json (exact).
 */
export const PLOTLY_PACKAGE = "plotly.js-cartesian-dist-min";

let bundle: string | null = null;

/** The Plotly library, already minified by Plotly, read once per process, for inlining into offline HTML. */
export function plotlyBundle(): string {
  if (bundle === null) bundle = readFileSync(require.resolve(PLOTLY_PACKAGE), "utf8");
  return bundle;
}

let traceTypes: Set<string> | null = null;

/**
 * The trace types the bundle registers, read from the bundle itself (each trace module is registered as
 * `moduleType:"trace",name:"<type>"`), so the check cannot drift from what the bundle draws.
 */
export function bundledTraceTypes(): Set<string> {
  if (traceTypes === null) {
    traceTypes = new Set([...plotlyBundle().matchAll(/moduleType:"trace",name:"([a-z0-9]+)"/g)].map((m) => m[1]));
  }
  return traceTypes;
}

/** The trace types a plot uses (Plotly's default type is "scatter"). */
export function traceTypesOf(plot: Plot): string[] {
  return [...new Set(plot.data.map((t) => (typeof t.type === "string" ? t.type : "scatter")))];
}

/** Throws when a plot uses a trace type the inlined bundle lacks (it would draw an empty plot). */
export function assertDrawable(plot: Plot): void {
  const missing = traceTypesOf(plot).filter((t) => !bundledTraceTypes().has(t));
  if (missing.length > 0) {
    throw new Error(`plot ${plot.id} uses trace type(s) ${missing.join(", ")} that ${PLOTLY_PACKAGE} does not include; switch lib/report/plotly.ts to a bundle that has them`);
  }
}

/**
 * `<script>` that defines window.Plotly; include once per page or notebook. The bundle is a UMD module:
 * shadowing define/module/exports makes it set window.Plotly even where a page has an AMD loader
 * (classic Jupyter and nbconvert's HTML load require.js).
 */
export function plotlyScript(): string {
  const code = plotlyBundle().replace(/<\/script/gi, "<\\/script");
  return `<script>(function (define, module, exports) {\n${code}\n})(undefined, undefined, undefined);</script>`;
}

const escapeText = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

const escapeJson = (v: unknown) => JSON.stringify(v).replace(/</g, "\\u003c");

/** The layout a plot is drawn with, in reports and notebooks alike. */
export function plotLayout(plot: Plot): Record<string, unknown> {
  return { title: { text: plot.title }, margin: { t: 50, r: 20 }, template: "plotly_white", ...plot.layout };
}

/** Plotly's config for the plots of HTML pages (their div has a fixed height, so `responsive` only follows the width). */
export const PLOT_CONFIG = { responsive: true, displaylogo: false };

/** A plot's height in pixels. */
export const PLOT_HEIGHT = 460;

/** A `<div>` and the script that draws `plot` into it, no caption (needs plotlyScript() earlier on the page). */
export function plotDivHtml(plot: Plot, domId = `plot-${plot.id}`): string {
  assertDrawable(plot);
  return (
    `<div id="${domId}" class="plot" style="width:100%;max-width:900px;height:${PLOT_HEIGHT}px"></div>\n` +
    `<script>Plotly.newPlot(${escapeJson(domId)}, ${escapeJson(plot.data)}, ${escapeJson(plotLayout(plot))}, ${escapeJson(PLOT_CONFIG)});</script>`
  );
}

/** The plot's caption as a paragraph ("" when it has none). */
export function captionHtml(plot: Plot): string {
  return plot.caption ? `<p class="caption">${escapeText(plot.caption)}</p>` : "";
}

/** A `<div>` and the script that draws `plot` into it, then its caption (needs plotlyScript() earlier on the page). */
export function plotHtml(plot: Plot, domId = `plot-${plot.id}`): string {
  return plotDivHtml(plot, domId) + (plot.caption ? `\n${captionHtml(plot)}` : "");
}

/** The MIME type of Plotly's JupyterLab renderer (the `jupyterlab-plotly` extension of the Python `plotly` package). */
export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/**
 * A Jupyter MIME bundle for one plot: Plotly's JSON, which JupyterLab's Plotly renderer draws (it runs
 * whether or not the notebook is trusted), and the `<div>` + script as the `text/html` fallback for
 * frontends without that renderer (classic Notebook, nbconvert's HTML export), which needs
 * plotlyScript() displayed earlier and, live, a trusted notebook.
 */
export function plotMimeBundle(plot: Plot, domId = `plot-${plot.id}`): Record<string, unknown> {
  assertDrawable(plot);
  return {
    // A fixed height (the HTML div's) and no `responsive`: in JupyterLab the renderer's widget takes its height
    // from the plot, so Plotly's responsive resize measured it as 0 and collapsed the plot on any window resize.
    [PLOTLY_MIME]: { data: plot.data, layout: { height: PLOT_HEIGHT, ...plotLayout(plot) }, config: { displaylogo: false } },
    "text/html": plotDivHtml(plot, domId),
    "text/plain": `<Plotly figure: ${plot.title}>`,
  };
}
