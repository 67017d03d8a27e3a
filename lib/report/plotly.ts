import { readFileSync } from "node:fs";
import { transformSync } from "esbuild";

/** A Plotly figure as plain data: traces and layout, exactly what Plotly.newPlot takes. */
export interface Plot {
  id: string;
  title: string;
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
  /** What the lines, bands, error bars and dashed lines show (printed under the plot). */
  caption?: string;
}

let bundle: string | null = null;

/** The Plotly library (from plotly.js-dist), minified once per process, for inlining into offline HTML. */
export function plotlyBundle(): string {
  if (bundle === null) {
    const source = readFileSync(require.resolve("plotly.js-dist"), "utf8");
    bundle = transformSync(source, { minify: true, legalComments: "none" }).code;
  }
  return bundle;
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

/** A `<div>` and the script that draws `plot` into it (needs plotlyScript() earlier on the page). */
export function plotHtml(plot: Plot, domId = `plot-${plot.id}`): string {
  const layout = { title: { text: plot.title }, margin: { t: 50, r: 20 }, template: "plotly_white", ...plot.layout };
  return (
    `<div id="${domId}" class="plot" style="width:100%;max-width:900px;height:460px"></div>\n` +
    `<script>Plotly.newPlot(${escapeJson(domId)}, ${escapeJson(plot.data)}, ${escapeJson(layout)}, {responsive: true, displaylogo: false});</script>` +
    (plot.caption ? `\n<p class="caption">${escapeText(plot.caption)}</p>` : "")
  );
}
