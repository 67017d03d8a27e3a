import { join } from "node:path";
import { Figure } from "./figure";
import { readSavedResult } from "./saved-result";
import { REPO_ROOT } from "../store/paths";

/**
 * The source of a figure's notebook, from the figure's own description (`npm run notebooks` writes it to
 * notebooks/<id>.ipynb; a test checks every committed notebook against it).
 */

const markdown = (text: string) => ({ cell_type: "markdown", metadata: {}, source: text });
const code = (text: string) => ({ cell_type: "code", metadata: {}, execution_count: null, outputs: [], source: text });

/** The ids of a figure's plots and tables, from its committed cpu data (null when it has none). */
function outputIds(f: Figure): { plots: string[]; tables: string[] } | null {
  const saved = readSavedResult(join(REPO_ROOT, "results", "figures", f.id, "cpu"));
  if (!saved) return null;
  const r = f.render(saved.config, saved.computed);
  return { plots: r.plots.map((p) => p.id), tables: r.tables.map((t) => t.id) };
}

/** A step's cell: its call, its result named (the last step's result is the figure's data). */
const stepCell = (id: string, last: boolean) => `const ${last ? "data" : id} = await walk.${id}();`;

/** The method one cell per step: the config (editable), each step, then each plot and table in a cell of its own. */
function walkthroughCells(f: Figure): unknown[] {
  const ids = outputIds(f);
  const id = JSON.stringify(f.id);
  return [
    markdown("## The experiment's config\n\nThe preset's config, as an object you can edit: change any field (other k values, seeds, more pairs) and run the cells below again. Every run already trained for an earlier config is found in the cache, so only what is new is trained."),
    code(`const config = figureConfig(${id}, preset);\nconsole.log(JSON.stringify(config, null, 1));`),
    code(`const walk = walkthrough(${id}, preset, config);`),
    ...f.steps!.flatMap((s, i) => [markdown(`### ${i + 1}. ${s.id}\n\n${s.doc}`), code(stepCell(s.id, i === f.steps!.length - 1))]),
    markdown("## The report\n\nWrites data.json, report.html and provenance.json (to the scratch folder) and states every claim of the paper against this run's numbers."),
    code("const run = walk.report();\nconsole.log(summary(run));"),
    markdown("## Plots"),
    ...(ids ? ids.plots.map((p) => code(`showPlot(run, ${JSON.stringify(p)});`)) : [code("for (const p of run.plots) showPlot(run, p.id);")]),
    markdown("## Tables (danfo DataFrames)"),
    ...(ids ? ids.tables.map((t) => code(`showTable(run, ${JSON.stringify(t)});`)) : [code("for (const t of run.tables) showTable(run, t.id);")]),
  ];
}

/** A figure not written as steps: one cell runs it, then its report and tables. */
function thinCells(f: Figure): unknown[] {
  return [
    code(`import * as tslab from "tslab";\nimport { runFigure, notebookPreset, notebookOutDir, plotlyScript, displayReport, toDataFrame, dataFrameHtml, summary } from "./lib/notebook";\n\nconst preset = notebookPreset(); // LOTTERY_PRESET, else "quick"\n// Plotly, inlined once, so the plots' HTML fallback draws offline (classic Notebook, nbconvert's HTML export);\n// JupyterLab draws them with Plotly's own renderer (see the README's JupyterLab section).\ntslab.display.html(plotlyScript());`),
    code(`const run = await runFigure(${JSON.stringify(f.id)}, preset, { outDir: notebookOutDir(${JSON.stringify(f.id)}, preset) });\nconsole.log(summary(run));`),
    markdown("## Plots, tables and what this run shows"),
    code("displayReport(run); // each plot as Plotly's JSON for JupyterLab, with an HTML fallback"),
    markdown("## The tables as danfo DataFrames"),
    code("for (const table of run.tables) toDataFrame(table).print();"),
  ];
}

export function notebook(f: Figure): unknown {
  const intro = code(`import * as tslab from "tslab";\nimport { figureConfig, walkthrough, showPlot, showTable, notebookPreset, plotlyScript, summary } from "./lib/notebook";\n\nconst preset = notebookPreset(); // LOTTERY_PRESET, else "quick"\n// Plotly, inlined once, so the plots' HTML fallback draws offline (classic Notebook, nbconvert's HTML export);\n// JupyterLab draws them with Plotly's own renderer (see the README's JupyterLab section).\ntslab.display.html(plotlyScript());`);
  return {
    cells: [
      markdown(`# ${f.title}\n\n*${f.source}.*\n\n**Method.** ${f.method}\n\n**The paper finds:** ${f.claim}\n\n` +
        `**Its claims, each checked against the measurement in the report:**\n\n${f.claims.map((c) => `- ${c.by ? `${c.by}: ` : ""}${c.text}`).join("\n")}\n\n` +
        "**Preset and output.** This notebook runs the `quick` preset (a smoke size, not a result) unless `LOTTERY_PRESET` " +
        "(`quick`, `cpu`, `paper`) is set before the kernel starts. It writes its report to a scratch folder " +
        "(`scratch/notebooks/<figure>/<preset>/`), never into the committed `results/figures/`, so \"Run all\" cannot " +
        "replace committed results. Trained runs are cached in `results/runs/` and shared with the command line, so " +
        "at `cpu` it reuses what `npm run figure` trained. To update the committed results, use the command line: " +
        `\`npm run figure -- ${f.id} --preset cpu --overwrite\` (refused without \`--overwrite\` when they were written at another commit).`),
      ...(f.steps ? [intro, ...walkthroughCells(f)] : thinCells(f)),
    ],
    metadata: {
      kernelspec: { display_name: "TypeScript (lottery-lab)", language: "typescript", name: "tslab" },
      language_info: { name: "typescript", file_extension: ".ts", mimetype: "text/typescript" },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

/** The notebook file's text, as `npm run notebooks` writes it. */
export function notebookText(f: Figure): string {
  return JSON.stringify(notebook(f), null, 1) + "\n";
}
