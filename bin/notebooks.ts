/**
 * `npm run notebooks`: writes one thin tslab notebook per figure, notebooks/<figure-id>.ipynb, from the
 * figure's own description, with a `lib` symlink beside it (tslab compiles with the notebook's folder as
 * root). Outputs are empty; run the notebooks in Jupyter, or headless with nbconvert.
 */
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { main } from "../lib/cli";
import { FIGURES } from "../lib/figures/registry";
import { Figure } from "../lib/figures/figure";
import { REPO_ROOT } from "../lib/store/paths";

const markdown = (text: string) => ({ cell_type: "markdown", metadata: {}, source: text });
const code = (text: string) => ({ cell_type: "code", metadata: {}, execution_count: null, outputs: [], source: text });

export function notebook(f: Figure): unknown {
  return {
    cells: [
      markdown(`# ${f.title}\n\n*${f.source}.*\n\n**Method.** ${f.method}\n\n**The paper finds:** ${f.claim}\n\n` +
        `**Its claims, each checked against the measurement in the report:**\n\n${f.claims.map((c) => `- ${c.text}`).join("\n")}\n\n` +
        "**Preset and output.** This notebook runs the `quick` preset (a smoke size, not a result) unless `LOTTERY_PRESET` " +
        "(`quick`, `cpu`, `paper`) is set before the kernel starts. It writes its report to a scratch folder " +
        "(`scratch/notebooks/<figure>/<preset>/`), never into the committed `results/figures/`, so \"Run all\" cannot " +
        "replace committed results. Trained runs are cached in `results/runs/` and shared with the command line, so " +
        "at `cpu` it reuses what `npm run figure` trained. To update the committed results, use the command line: " +
        `\`npm run figure -- ${f.id} --preset cpu --overwrite\` (refused without \`--overwrite\` when they were written at another commit).`),
      code(`import * as tslab from "tslab";\nimport { runFigure, notebookPreset, notebookOutDir, plotlyScript, displayReport, toDataFrame, dataFrameHtml, summary } from "./lib/notebook";\n\nconst preset = notebookPreset(); // LOTTERY_PRESET, else "quick"\n// Plotly, inlined once, so the plots' HTML fallback draws offline (classic Notebook, nbconvert's HTML export);\n// JupyterLab draws them with Plotly's own renderer (see the README's JupyterLab section).\ntslab.display.html(plotlyScript());`),
      code(`const run = await runFigure(${JSON.stringify(f.id)}, preset, { outDir: notebookOutDir(${JSON.stringify(f.id)}, preset) });\nconsole.log(summary(run));`),
      markdown("## Plots, tables and what this run shows"),
      code("displayReport(run); // each plot as Plotly's JSON for JupyterLab, with an HTML fallback"),
      markdown("## The tables as danfo DataFrames"),
      code("for (const table of run.tables) toDataFrame(table).print();"),
    ],
    metadata: {
      kernelspec: { display_name: "TypeScript (lottery-lab)", language: "typescript", name: "tslab" },
      language_info: { name: "typescript", file_extension: ".ts", mimetype: "text/typescript" },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

main(async () => {
  for (const f of FIGURES) {
    const path = join(REPO_ROOT, "notebooks", `${f.id}.ipynb`);
    mkdirSync(dirname(path), { recursive: true });
    const link = join(dirname(path), "lib");
    if (!existsSync(link)) symlinkSync(relative(dirname(path), join(REPO_ROOT, "lib")), link);
    writeFileSync(path, JSON.stringify(notebook(f), null, 1) + "\n");
    console.log(`wrote ${relative(process.cwd(), path)}`);
  }
});
