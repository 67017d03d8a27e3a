import { Plot, plotHtml, plotlyScript } from "./plotly";
import { Table, escapeHtml, tableHtml } from "./table";
import { Provenance } from "./provenance";
import { Claim, ClaimCheck } from "../figures/claims";

export interface ReportContent {
  title: string;
  source: string;
  claim: string;
  presetNote: string;
  findings: string[];
  claims: Claim[];
  checks: ClaimCheck[];
  plots: Plot[];
  tables: Table[];
  provenance: Provenance;
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}
table.results{border-collapse:collapse;margin:1em 0;font-size:14px}
table.results td,table.results th{border:1px solid #ccc;padding:4px 8px;text-align:right}
table.results caption{font-weight:600;text-align:left;padding:4px 0}
table.claims{border-collapse:collapse;margin:1em 0;font-size:14px}
table.claims td,table.claims th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
td.differs{background:#fde2e1;font-weight:600}td.borderline{background:#fff3cd}td.agrees{background:#e3f4e1}
p.caption{font-size:13px;color:#555;margin:0 0 1.5em}
pre{background:#f6f6f6;padding:1em;overflow:auto;font-size:12px}`;

function claimsHtml(claims: Claim[], checks: ClaimCheck[]): string {
  const rows = claims.map((claim) => {
    const c = checks.find((x) => x.claim === claim.id);
    const verdict = c?.verdict ?? "not tested";
    const text = claim.by ? `${claim.by}: ${claim.text}` : claim.text;
    return `<tr><td>${escapeHtml(text)}</td><td class="${verdict.replace(" ", "-")}">${escapeHtml(verdict)}</td><td>${escapeHtml(c?.evidence ?? "")}</td></tr>`;
  });
  return `<table class="claims"><thead><tr><th>${claims.some((c) => c.by) ? "the claim" : "the paper"}</th><th>this run</th><th>evidence</th></tr></thead><tbody>\n${rows.join("\n")}\n</tbody></table>`;
}

/** HTML comments around each plot in a report body, so a notebook can show each plot as a MIME bundle of its own. */
const plotStart = (id: string) => `<!-- plot ${id.replace(/--/g, "")} -->`;
const PLOT_END = "<!-- /plot -->";

/** A report body split into HTML pieces and the plots between them, in page order. */
export function splitReportBody(body: string, plots: Plot[]): ({ html: string } | { plot: Plot })[] {
  const parts: ({ html: string } | { plot: Plot })[] = [];
  const re = /<!-- plot (.*?) -->[\s\S]*?<!-- \/plot -->/g;
  let last = 0;
  for (const m of body.matchAll(re)) {
    const plot = plots.find((p) => p.id.replace(/--/g, "") === m[1]);
    if (!plot) continue;
    parts.push({ html: body.slice(last, m.index) }, { plot });
    last = m.index! + m[0].length;
  }
  parts.push({ html: body.slice(last) });
  return parts.filter((p) => !("html" in p) || p.html.trim() !== "");
}

/** The body of a report (no Plotly bundle): what a notebook displays. */
export function reportBody(c: Omit<ReportContent, "provenance">): string {
  const findings = c.findings.map((f) => `<li>${escapeHtml(f)}</li>`).join("\n");
  return [
    `<h1>${escapeHtml(c.title)}</h1>`,
    `<p><b>Reproduces:</b> ${escapeHtml(c.source)}</p>`,
    `<p><b>The paper:</b> ${escapeHtml(c.claim)}</p>`,
    `<p><b>This preset:</b> ${escapeHtml(c.presetNote)}</p>`,
    `<h2>The paper's claims, one by one, against this run</h2>`,
    claimsHtml(c.claims, c.checks),
    `<h2>What this run shows</h2><ul>${findings}</ul>`,
    ...c.plots.map((p) => `${plotStart(p.id)}\n${plotHtml(p)}\n${PLOT_END}`),
    ...c.tables.map((t) => tableHtml(t)),
  ].join("\n");
}

/** A self-contained HTML page: works offline, Plotly inlined. */
export function reportHtml(c: ReportContent): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(c.title)}</title><style>${STYLE}</style>
${plotlyScript()}
</head><body>
${reportBody(c)}
<h2>Provenance</h2><pre>${escapeHtml(JSON.stringify(c.provenance, null, 2))}</pre>
</body></html>
`;
}
