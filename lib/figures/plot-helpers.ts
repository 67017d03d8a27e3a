/** Small builders for Plotly traces used by several figures. */

const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

export function color(i: number): string {
  return PALETTE[i % PALETTE.length];
}

function rgba(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}

/** A mean line with a shaded band of ± std (two traces). */
export function meanBand(name: string, x: number[], mean: number[], std: number[], i: number): Record<string, unknown>[] {
  const c = color(i);
  return [
    {
      x: [...x, ...x.slice().reverse()],
      y: [...mean.map((m, j) => m + std[j]), ...mean.map((m, j) => m - std[j]).reverse()],
      fill: "toself",
      fillcolor: rgba(c, 0.15),
      line: { width: 0 },
      hoverinfo: "skip",
      showlegend: false,
      legendgroup: name,
      type: "scatter",
    },
    { x, y: mean, name, legendgroup: name, mode: "lines+markers", marker: { size: 4 }, line: { color: c }, type: "scatter" },
  ];
}

/** Points with error bars joined by a line: for an ordered x (a density or rewind-step grid), where the line is a trend. */
export function errorBars(name: string, x: (number | string)[], mean: number[], std: number[], i: number): Record<string, unknown> {
  return { x, y: mean, name, mode: "lines+markers", error_y: { type: "data", array: std, visible: true }, line: { color: color(i) }, type: "scatter" };
}

/**
 * Points with error bars and no line, for a categorical x (training settings, kinds of subnetwork): a line
 * between categories would read as a trend across them.
 */
export function categoryPoints(name: string, x: string[], mean: number[], std: number[], i: number): Record<string, unknown> {
  return { x, y: mean, name, mode: "markers", marker: { color: color(i), size: 10 }, error_y: { type: "data", array: std, visible: true, color: color(i) }, type: "scatter" };
}

/** A horizontal dashed line across the plot, e.g. the 2 pp stability threshold. */
export function hline(y: number, label: string): Record<string, unknown> {
  return {
    type: "line",
    xref: "paper",
    x0: 0,
    x1: 1,
    y0: y,
    y1: y,
    line: { dash: "dash", color: "#888", width: 1 },
    // Below the line, so that the label stays visible when the line is at the top of the axis.
    label: { text: label, textposition: "end", yanchor: "top", font: { size: 11, color: "#666" } },
  };
}

/**
 * A log-scale density axis (densest on the left) whose ticks are the measured densities themselves,
 * printed as percentages, rather than Plotly's powers of ten.
 */
export function densityAxis(title: string, densitiesPercent: number[]): Record<string, unknown> {
  // Densities closer than 15 % of each other would print over one another: keep the first of such a run.
  const ticks: number[] = [];
  for (const d of [...new Set(densitiesPercent)].sort((a, b) => b - a)) if (!ticks.length || ticks[ticks.length - 1] / d >= 1.15) ticks.push(d);
  const label = (d: number) => (d >= 99.95 ? d.toFixed(0) : d >= 1 ? d.toFixed(1) : d.toFixed(2));
  return { title: { text: title }, type: "log", autorange: "reversed", tickvals: ticks, ticktext: ticks.map(label) };
}

/** The caption of a plot of means with ± 1 std error bars or bands over n replicates. */
export function spreadCaption(what: string, n: number, extra = "", mark: "error bars" | "shaded bands" = "error bars"): string {
  const spread = n > 1 ? `Lines and points are means over ${n} ${what}; ${mark} are ± 1 sample standard deviation.` : `One of ${what} per point (n = 1): no ${mark}.`;
  return extra ? `${spread} ${extra}` : spread;
}
