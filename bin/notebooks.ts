/**
 * `npm run notebooks`: writes one thin tslab notebook per figure, notebooks/<figure-id>.ipynb, from the
 * figure's own description (lib/figures/notebook-source.ts), with a `lib` symlink beside it (tslab compiles
 * with the notebook's folder as root). Outputs are empty; run the notebooks in Jupyter, or headless with nbconvert.
 */
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { main } from "../lib/cli";
import { FIGURES } from "../lib/figures/registry";
import { notebookText } from "../lib/figures/notebook-source";
import { REPO_ROOT } from "../lib/store/paths";

main(async () => {
  for (const f of FIGURES) {
    const path = join(REPO_ROOT, "notebooks", `${f.id}.ipynb`);
    mkdirSync(dirname(path), { recursive: true });
    const link = join(dirname(path), "lib");
    if (!existsSync(link)) symlinkSync(relative(dirname(path), join(REPO_ROOT, "lib")), link);
    writeFileSync(path, notebookText(f));
    console.log(`wrote ${relative(process.cwd(), path)}`);
  }
});
