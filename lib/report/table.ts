import * as dfd from "danfojs-node";

/** A table of results: column names and rows of cells (numbers are formatted when rendered). */
export interface Table {
  id: string;
  title: string;
  columns: string[];
  rows: (string | number | boolean | null)[][];
  /** What the cells mean, e.g. what ± is (printed under the table). */
  note?: string;
}

export function toDataFrame(table: Table): dfd.DataFrame {
  return new dfd.DataFrame(table.rows, { columns: table.columns });
}

const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function cell(v: unknown): string {
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toPrecision(4);
  if (v === null || v === undefined) return "";
  return String(v);
}

/** Renders a danfo DataFrame as an HTML table (danfo has no HTML export of its own). */
export function dataFrameHtml(df: dfd.DataFrame, caption?: string): string {
  const head = df.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const body = (df.values as unknown[][])
    .map((row) => `<tr>${row.map((v) => `<td>${escapeHtml(cell(v))}</td>`).join("")}</tr>`)
    .join("\n");
  const cap = caption ? `<caption>${escapeHtml(caption)}</caption>` : "";
  return `<table class="results">${cap}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

export function tableHtml(table: Table): string {
  return dataFrameHtml(toDataFrame(table), table.title) + (table.note ? `\n<p class="caption">${escapeHtml(table.note)}</p>` : "");
}

export { escapeHtml };
