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
    return `<tr><td>${escapeHtml(claim.text)}</td><td class="${verdict.replace(" ", "-")}">${escapeHtml(verdict)}</td><td>${escapeHtml(c?.evidence ?? "")}</td></tr>`;
  });
  return `<table class="claims"><thead><tr><th>the paper</th><th>this run</th><th>evidence</th></tr></thead><tbody>\n${rows.join("\n")}\n</tbody></table>`;
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
    ...c.plots.map((p) => plotHtml(p)),
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
