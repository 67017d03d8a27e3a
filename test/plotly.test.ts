import { describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { FIGURES } from "../lib/figures/registry";
import { PLOTLY_MIME, PLOTLY_PACKAGE, Plot, assertDrawable, bundledTraceTypes, plotHtml, plotlyBundle, plotlyScript, plotMimeBundle, traceTypesOf } from "../lib/report/plotly";
import { reportBody, splitReportBody } from "../lib/report/html";

const root = resolve(__dirname, "..");
const committed = (id: string) => join(root, "results", "figures", id, "cpu", "data.json");

/** Every figure's plots, rendered (pure, no files written) from its committed cpu data. */
const withData = FIGURES.filter((f) => existsSync(committed(f.id))).map((f) => f.id);

const scatter: Plot = { id: "a", title: "A", data: [{ x: [1, 2], y: [3, 4], type: "scatter" }], layout: {}, caption: "1 < 2 & so on" };

describe("the inlined Plotly bundle", () => {
  it("is the small prebuilt one, pinned in package.json, with no full bundle left", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    expect(pkg.dependencies[PLOTLY_PACKAGE]).toMatch(/^2\.\d+\.\d+$/);
    expect(pkg.dependencies["plotly.js-dist"]).toBeUndefined();
    expect(plotlyBundle().length).toBeLessThan(2_000_000);
    expect(plotlyScript().match(/<\/script/gi)).toHaveLength(1); // the bundle cannot close its own <script>
  });

  it("registers scatter and box, read from the bundle itself", () => {
    const types = bundledTraceTypes();
    expect(types.has("scatter")).toBe(true);
    expect(types.has("box")).toBe(true);
    expect(types.has("scattergl")).toBe(false); // not in the cartesian bundle: the check would catch a figure using it
  });

  it.for(withData)("%s: every trace type its plots use is in the bundle", (id, ctx) => {
    const { config, ...data } = JSON.parse(readFileSync(committed(id), "utf8"));
    let plots: Plot[];
    try {
      plots = FIGURES.find((f) => f.id === id)!.render(config, data).plots;
    } catch (e) {
      // Whether committed data re-renders at all is test/claims.test.ts's check; this one is about trace types.
      return ctx.skip(`${id} does not render from its committed data (${String(e).slice(0, 120)}); see test/claims.test.ts`);
    }
    expect(plots.length).toBeGreaterThan(0);
    for (const plot of plots) {
      for (const type of traceTypesOf(plot)) expect(bundledTraceTypes(), `${plot.id}: trace type ${type}`).toContain(type);
    }
  });

  it("a plot with a trace type the bundle lacks is refused, not drawn empty", () => {
    const gl: Plot = { ...scatter, data: [{ x: [1], y: [1], type: "scattergl" }] };
    expect(() => assertDrawable(gl)).toThrow(/scattergl.*plotly\.js-cartesian-dist-min/);
    expect(() => plotHtml(gl)).toThrow();
    expect(traceTypesOf({ ...scatter, data: [{ x: [1] }] })).toEqual(["scatter"]); // Plotly's default type
  });
});

describe("plots in notebooks", () => {
  it("a plot's MIME bundle has Plotly's JSON and the HTML fallback without the caption", () => {
    const bundle = plotMimeBundle(scatter, "plot-a-1");
    const json = bundle[PLOTLY_MIME] as { data: unknown[]; layout: { title: { text: string } }; config: object };
    expect(json.data).toEqual(scatter.data);
    expect(json.layout.title.text).toBe("A");
    expect(json.config).toEqual({ displaylogo: false }); // not responsive: that collapses the plot in JupyterLab
    expect((json.layout as { height?: number }).height).toBe(460);
    expect(bundle["text/html"]).toMatch(/<div id="plot-a-1"[\s\S]*Plotly\.newPlot\("plot-a-1"/);
    expect(bundle["text/html"]).not.toContain("caption");
    expect(JSON.parse(JSON.stringify(bundle))).toEqual(bundle); // plain JSON, as the Jupyter protocol sends it
  });

  it("a report body splits into HTML and plots, in page order, and joins back to the same content", () => {
    const b: Plot = { ...scatter, id: "b", title: "B", caption: undefined };
    const body = reportBody({ title: "T", source: "S", claim: "C", presetNote: "P", findings: ["f"], claims: [], checks: [], plots: [scatter, b], tables: [{ id: "t", title: "tab", columns: ["x"], rows: [[1]] }] });
    const parts = splitReportBody(body, [scatter, b]);
    expect(parts.map((p) => ("plot" in p ? p.plot.id : "html"))).toEqual(["html", "a", "b", "html"]);
    expect((parts[0] as { html: string }).html).toContain("<h1>T</h1>");
    expect((parts[3] as { html: string }).html).toContain("<table");
    expect(body).toContain(plotHtml(scatter));
    // An unknown plot stays in the HTML, drawn by its fallback.
    expect(splitReportBody(body, [b]).map((p) => ("plot" in p ? p.plot.id : "html"))).toEqual(["html", "b", "html"]);
  });
});
