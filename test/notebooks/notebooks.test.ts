import { afterAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { getFigure } from "../../lib/figures/registry";
import { missingCifar } from "../support/cifar";

const root = resolve(__dirname, "..", "..");
const JUPYTER = "/usr/bin/jupyter";
const CHROMIUM = "/usr/bin/chromium";

/** Every notebook, executed headless at the quick preset through Jupyter's nbconvert and the tslab kernel. */
const notebooks = readdirSync(join(root, "notebooks"), { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".ipynb") && !f.includes(".ipynb_checkpoints"))
  .sort();

function renderedDom(html: string): string {
  const r = spawnSync(
    CHROMIUM,
    ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", `--user-data-dir=${mkdtempSync(join(tmpdir(), "chromium-"))}`,
      "--virtual-time-budget=20000", "--dump-dom", `file://${html}`],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
  );
  if (r.status !== 0) throw new Error(`chromium failed: ${r.stderr}`);
  return r.stdout;
}

// One results folder for all notebooks: figures that share runs (the rewind grid, IMP chains) reuse them.
const results = mkdtempSync(join(tmpdir(), "nb-results-"));
// Every figure's runs and checkpoints: about 2 GB a run, which would pile up in the temporary folder.
afterAll(() => rmSync(results, { recursive: true, force: true }));

describe("notebooks", () => {
  it("exist", () => expect(notebooks.length).toBeGreaterThan(0));

  // Notebooks of figures whose quick preset needs the JPEG CIFAR-10 are skipped (reported) where it is absent.
  const runnable = (nb: string) => !missingCifar(getFigure(nb.replace(/\.ipynb$/, "")).presets.quick);
  it.skip.each(notebooks.filter((nb) => !runnable(nb)))("%s: skipped, CIFAR-10 (JPEG re-encoded) is not in data/", () => {});
  it.each(notebooks.filter(runnable))("%s runs headless at the quick preset and its HTML export renders its plots", (nb) => {
    for (const tool of [JUPYTER, CHROMIUM]) {
      if (!existsSync(tool)) throw new Error(`${tool} is missing: install Debian's jupyter-nbconvert, jupyter-client, jupyter-notebook and chromium (see .ci/run)`);
    }
    const out = mkdtempSync(join(tmpdir(), "nb-"));
    const r = spawnSync(
      JUPYTER,
      ["nbconvert", "--to", "html", "--execute", "--ExecutePreprocessor.timeout=600", "--output-dir", out, join(root, "notebooks", nb)],
      { cwd: root, encoding: "utf8", env: { ...process.env, JUPYTER_PATH: join(root, ".jupyter"), LOTTERY_PRESET: "quick", LOTTERY_RESULTS: results } },
    );
    expect(r.status, r.stderr.slice(-3000)).toBe(0);
    const html = join(out, nb.split("/").pop()!.replace(/\.ipynb$/, ".html"));
    const exported = readFileSync(html, "utf8");
    expect(exported).not.toMatch(/output_error|Traceback/);
    const dom = renderedDom(html);
    const plots = (dom.match(/class="plot js-plotly-plot"/g) ?? []).length;
    expect(plots).toBeGreaterThanOrEqual(1);
    expect((dom.match(/class="main-svg"/g) ?? []).length).toBeGreaterThanOrEqual(2 * plots);
    expect(dom).toMatch(/<table class="results">/);
  }, 600_000);
});
