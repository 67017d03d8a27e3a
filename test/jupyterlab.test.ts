/**
 * A notebook run as a person runs it: JupyterLab (from .venv-lab, see scripts/setup-jupyterlab.sh) in headless
 * Chromium, Run > Run All Cells, with the repository's own tslab kernel spec. Checks that every cell ran
 * without an error, that every plot is drawn (and by which mechanism: Plotly's JupyterLab renderer or the
 * HTML fallback), that the tables show and that the run folder is written; then opens a saved, untrusted
 * copy and checks that its plots still draw. Screenshots go to scratch/test-output/jupyterlab/.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, Browser, Page } from "playwright-core";
import { PLOTLY_MIME } from "../lib/report/plotly";

// The functions passed to page.evaluate run in the browser; the project's TypeScript has no DOM library.
declare const document: any;
declare const window: any;

const root = resolve(__dirname, "..");
const VENV = join(root, ".venv-lab");
const LAB = join(VENV, "bin", "jupyter-lab");
const CHROMIUM = "/usr/bin/chromium";
const FIGURE = "lmc/dense-instability"; // the quickest notebook: about a minute at the quick preset
const NOTEBOOK = join(root, "notebooks", `${FIGURE}.ipynb`);
const OUT = join(root, "scratch", "test-output", "jupyterlab");
const PLOTLY_EXTENSION = join(VENV, "share", "jupyter", "labextensions", "jupyterlab-plotly");

const missing = [LAB, CHROMIUM].filter((p) => !existsSync(p));
if (missing.length > 0) {
  const why = `JupyterLab browser test skipped: ${missing.join(" and ")} missing; run scripts/setup-jupyterlab.sh (and install Debian's chromium)`;
  // CI runs the setup script first, so there a missing piece is a failure, not a skip.
  if (process.env.CI) throw new Error(why);
  console.log(why);
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

class GiveUp extends Error {}

/** Polls `probe` until it returns something truthy; a probe that throws GiveUp ends the wait at once. */
async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | null | undefined | false>, everyMs = 500): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch((e) => {
      if (e instanceof GiveUp) throw e;
      return null;
    });
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

interface Drawn {
  /** Plots drawn by Plotly's JupyterLab renderer (the application/vnd.plotly.v1+json output). */
  mime: number;
  /** Plots drawn by the text/html fallback (div + Plotly.newPlot script). */
  html: number;
  /** Plots with no trace drawn. */
  empty: number;
}

/**
 * Counts drawn Plotly plots in the notebook's outputs, by renderer. Plotly's JupyterLab renderer is an output
 * widget of its own (class jp-RenderedPlotly, which draws into the widget's node: it has the js-plotly-plot class
 * itself and, unlike JupyterLab's built-in renderers, no data-mime-type attribute); the HTML fallback's plot is a
 * div inside a jp-RenderedHTML output (data-mime-type="text/html").
 */
function drawnPlots(page: Page): Promise<Drawn> {
  return page.evaluate(() => {
    const plots: any[] = [...document.querySelectorAll(".jp-OutputArea-output.js-plotly-plot, .jp-OutputArea-output .js-plotly-plot")];
    const traces = (p: any) => p.querySelectorAll("svg.main-svg g.trace").length;
    const byMime = plots.filter((p) => p.classList.contains("jp-RenderedPlotly") && traces(p) > 0).length;
    const byHtml = plots.filter((p) => p.closest(".jp-RenderedHTML[data-mime-type='text/html']") && traces(p) > 0).length;
    return { mime: byMime, html: byHtml, empty: plots.filter((p) => traces(p) === 0).length };
  });
}

describe.skipIf(missing.length > 0)("JupyterLab", () => {
  let server: ChildProcess | null = null;
  let serverLog = "";
  let browser: Browser | null = null;
  let base = "";
  let query = "";
  let work = "";
  const results = mkdtempSync(join(tmpdir(), "lab-results-"));
  const jupyterHome = mkdtempSync(join(tmpdir(), "lab-home-"));
  const started = Date.now();

  beforeAll(async () => {
    // A copy of the notebook (with a lib link, as in notebooks/) in an ignored folder, so a save or autosave never
    // writes outputs into the committed notebook.
    mkdirSync(OUT, { recursive: true });
    work = mkdtempSync(join(OUT, "work-"));
    writeFileSync(join(work, "dense-instability.ipynb"), readFileSync(NOTEBOOK));
    symlinkSync(join(root, "lib"), join(work, "lib"));
    // JupyterLab settings of its own: all cells in the DOM (no windowing), no news or update checks.
    const settings = join(jupyterHome, "settings");
    mkdirSync(join(settings, "@jupyterlab", "notebook-extension"), { recursive: true });
    mkdirSync(join(settings, "@jupyterlab", "apputils-extension"), { recursive: true });
    writeFileSync(join(settings, "@jupyterlab", "notebook-extension", "tracker.jupyterlab-settings"), JSON.stringify({ windowingMode: "none" }));
    writeFileSync(join(settings, "@jupyterlab", "apputils-extension", "notification.jupyterlab-settings"), JSON.stringify({ fetchNews: "false", checkForUpdates: false }));

    const port = await freePort();
    const token = randomBytes(24).toString("hex");
    base = `http://127.0.0.1:${port}`;
    server = spawn(
      LAB,
      ["--no-browser", "--ServerApp.ip=127.0.0.1", `--ServerApp.port=${port}`, "--ServerApp.port_retries=0", `--IdentityProvider.token=${token}`,
        `--ServerApp.root_dir=${work}`, "--LabApp.expose_app_in_browser=True", `--LabApp.user_settings_dir=${settings}`,
        `--LabApp.workspaces_dir=${join(jupyterHome, "workspaces")}`, ...(process.getuid?.() === 0 ? ["--allow-root"] : [])],
      {
        cwd: work,
        env: {
          ...process.env,
          JUPYTER_PATH: join(root, ".jupyter"), // the repository's tslab kernel spec
          JUPYTER_CONFIG_DIR: join(jupyterHome, "config"),
          JUPYTER_DATA_DIR: join(jupyterHome, "data"), // holds the notebook-signature database: nothing is trusted from before
          JUPYTER_RUNTIME_DIR: join(jupyterHome, "runtime"),
          LOTTERY_PRESET: "quick",
          LOTTERY_RESULTS: results,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    server.stdout!.on("data", (d) => (serverLog += d));
    server.stderr!.on("data", (d) => (serverLog += d));
    const [, browserReady] = await Promise.all([
      until("JupyterLab's server", 60_000, async () => {
        if (server!.exitCode !== null) throw new GiveUp(`jupyter lab exited with ${server!.exitCode}:\n${serverLog.slice(-3000)}`);
        return (await fetch(`${base}/api/status?token=${token}`)).ok;
      }),
      chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] }),
    ]);
    browser = browserReady;
    query = `?token=${token}`;
  }, 120_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    if (server && server.exitCode === null) {
      server.kill("SIGTERM"); // the server shuts its kernels down
      const exited = new Promise((r) => server!.once("exit", r));
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      if (server.exitCode === null) server.kill("SIGKILL");
    }
    if (work) rmSync(work, { recursive: true, force: true });
    rmSync(jupyterHome, { recursive: true, force: true });
    rmSync(results, { recursive: true, force: true });
  }, 60_000);

  /**
   * Opens a notebook in a fresh page, in a workspace of its own (so JupyterLab does not restore the other
   * notebook's tab), and waits until JupyterLab shows it.
   */
  async function open(name: string, workspace: string): Promise<Page> {
    const page = await browser!.newPage({ viewport: { width: 1400, height: 1000 } });
    onTestFailed(async () => {
      await screenshot(page, `${workspace}-failure.png`).catch(() => {});
      console.log(`JupyterLab at the failure: ${join(OUT, `${workspace}-failure.png`)}; server log:\n${serverLog.slice(-2000)}`);
    });
    await page.goto(`${base}/lab/workspaces/${workspace}/tree/${name}${query}`, { waitUntil: "domcontentloaded" });
    await page.locator(".jp-NotebookPanel .jp-Cell").first().waitFor({ timeout: 60_000 });
    return page;
  }

  /** Saves the page's full notebook as a screenshot (the viewport grown to the notebook's height). */
  async function screenshot(page: Page, file: string) {
    await page.evaluate(() => window.jupyterapp.shell.collapseLeft());
    const height = await page.evaluate(() => {
      const scroller = document.querySelector(".jp-NotebookPanel .jp-WindowedPanel-outer") ?? document.querySelector(".jp-NotebookPanel-notebook");
      return scroller.scrollHeight + 150;
    });
    await page.setViewportSize({ width: 1400, height: Math.min(Math.max(height, 1000), 16_000) });
    await page.evaluate(() => {
      const scroller = document.querySelector(".jp-NotebookPanel .jp-WindowedPanel-outer");
      if (scroller) scroller.scrollTop = 0;
    });
    await page.waitForTimeout(1000); // JupyterLab lays out at the new size
    await page.screenshot({ path: join(OUT, file), fullPage: true });
  }

  it(`runs ${FIGURE} with Run All Cells at the quick preset and draws every plot`, async () => {
    const page = await open("dense-instability.ipynb", "run");
    await until("the tslab kernel", 60_000, () => page.evaluate(() => {
      const panel = window.jupyterapp.shell.currentWidget;
      return panel?.sessionContext?.session?.kernel?.status === "idle" && panel.sessionContext.session.kernel.name === "tslab";
    }));

    // Through the menu, as a person would: Run > Run All Cells.
    await page.locator(".lm-MenuBar-itemLabel", { hasText: /^Run$/ }).click();
    await page.locator(".lm-Menu-itemLabel", { hasText: /^Run All Cells$/ }).click();

    const codeCells = await page.locator(".jp-NotebookPanel .jp-CodeCell").count();
    expect(codeCells).toBeGreaterThan(0);
    // Done when the kernel is idle and no cell is queued or running ("[*]"); a failing cell stops Run All, leaving
    // the cells after it unrun ("[ ]"), so the checks below then fail at once instead of timing out.
    const prompts = await until("Run All Cells to finish", 300_000, () => page.evaluate(() => {
      const prompts: string[] = [...document.querySelectorAll(".jp-NotebookPanel .jp-CodeCell .jp-InputArea-prompt")].map((p: any) => p.textContent ?? "");
      const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
      const done = kernel.status === "idle" && prompts.some((p) => /\[\d+\]/.test(p)) && !prompts.some((p) => p.includes("*"));
      return done ? prompts : null;
    }), 1000);

    // No error: no error output, and no output shows Error: or Traceback, or a TypeScript error as tslab prints it
    // ("1:7 - Type 'string' is not assignable ..."). Progress lines on stderr are fine. The text shown is checked, not
    // the source of the inlined Plotly <script>, which has such words.
    const outputs = await page.locator(".jp-OutputArea-output").evaluateAll((els) => els.map((e) => ({ mime: e.getAttribute("data-mime-type"), text: (e as { innerText?: string }).innerText ?? "" })));
    const errors = outputs.filter((o) => o.mime === "application/vnd.jupyter.error" || /\b\w*Error:|Traceback|error TS\d+|^\d+:\d+ - /m.test(o.text));
    expect(errors.map((e) => e.text.slice(0, 1000)), "error outputs").toEqual([]);
    expect(prompts.every((p) => /\[\d+\]/.test(p)), `every code cell ran: ${prompts.join(" ")}`).toBe(true);

    // The run folder, written under LOTTERY_RESULTS; its report says how many plots there are.
    const report = join(results, "notebooks", FIGURE, "quick", "report.html");
    expect(existsSync(report), `${report} missing`).toBe(true);
    const plots = (readFileSync(report, "utf8").match(/<div id="plot-[^"]*" class="plot"/g) ?? []).length;
    expect(plots).toBeGreaterThan(0);

    // Every plot drawn, with traces; by which mechanism.
    const drawn = await until("every plot to be drawn", 60_000, async () => {
      const d = await drawnPlots(page);
      return d.mime + d.html >= plots ? d : null;
    });
    const mechanism = drawn.mime === plots ? `Plotly's JupyterLab renderer (${PLOTLY_MIME})` : drawn.html === plots ? "the text/html fallback (div + Plotly.newPlot)" : `mixed (${JSON.stringify(drawn)})`;
    console.log(`JupyterLab drew ${plots} plots of ${FIGURE} with ${mechanism}`);
    expect(drawn.empty).toBe(0);
    // With Plotly's extension installed (scripts/setup-jupyterlab.sh installs it) its renderer must be the one used.
    if (existsSync(PLOTLY_EXTENSION)) expect(drawn.mime).toBe(plots);
    else expect(drawn.html).toBe(plots);

    // The tables.
    expect(await page.locator(".jp-OutputArea-output table.results").count()).toBeGreaterThan(0);

    await screenshot(page, "dense-instability.png");

    // Save, for the untrusted copy below.
    await page.evaluate(() => window.jupyterapp.commands.execute("docmanager:save"));
    await until("the saved notebook", 30_000, async () => {
      const nb = JSON.parse(readFileSync(join(work, "dense-instability.ipynb"), "utf8"));
      return nb.cells.some((c: { outputs?: unknown[] }) => (c.outputs ?? []).length > 0);
    });
    writeFileSync(join(OUT, "result.json"), JSON.stringify({ figure: FIGURE, plots, drawn, mechanism, seconds: (Date.now() - started) / 1000 }, null, 2) + "\n");
    await page.close();
  }, 360_000);

  it("a saved notebook opened untrusted still draws its plots (Plotly's renderer needs no trust)", async (ctx) => {
    if (!existsSync(PLOTLY_EXTENSION)) return ctx.skip("Plotly's JupyterLab extension is not installed: untrusted HTML plots are not drawn");
    const saved = JSON.parse(readFileSync(join(work, "dense-instability.ipynb"), "utf8"));
    expect(saved.cells.some((c: { outputs?: unknown[] }) => (c.outputs ?? []).length > 0), "the first test saves the notebook with its outputs").toBe(true);
    // Any change to the content makes its signature unknown: JupyterLab then treats every output as untrusted.
    saved.metadata.untrusted_copy = true;
    writeFileSync(join(work, "untrusted.ipynb"), JSON.stringify(saved));
    const page = await open("untrusted.ipynb", "untrusted");
    const expected = saved.cells.flatMap((c: { outputs?: { data?: object }[] }) => c.outputs ?? []).filter((o: { data?: object }) => o.data && PLOTLY_MIME in o.data).length;
    expect(expected).toBeGreaterThan(0);
    // Plotly's renderer stores a PNG of each plot it drew in the notebook (image/png beside Plotly's JSON) and, on
    // opening, shows that image until the pointer enters it; then it draws the plot. Hover each, as a person would.
    const png = saved.cells.flatMap((c: { outputs?: { data?: object }[] }) => c.outputs ?? []).filter((o: { data?: object }) => o.data && PLOTLY_MIME in o.data && "image/png" in o.data).length;
    const widgets = page.locator(".jp-RenderedPlotly");
    await until("Plotly's renderer for every plot", 60_000, async () => (await widgets.count()) >= expected);
    for (let i = 0; i < expected; i++) await widgets.nth(i).hover();
    const drawn = await until("the plots of the untrusted copy", 60_000, async () => {
      const d = await drawnPlots(page);
      return d.mime >= expected ? d : null;
    });
    const trusted = await page.evaluate(() => {
      const cells = window.jupyterapp.shell.currentWidget.content.widgets as { model: { type: string; trusted: boolean } }[];
      return cells.filter((c) => c.model.type === "code").map((c) => c.model.trusted);
    });
    expect(trusted.every((t) => !t), "the copy's cells are untrusted").toBe(true);
    expect(drawn).toEqual({ mime: expected, html: 0, empty: 0 });
    await screenshot(page, "dense-instability-untrusted.png");
    await page.close();
    console.log(`untrusted copy: ${expected} plots drawn by Plotly's JupyterLab renderer (${png} saved with a PNG, drawn on hover); wall time of both tests ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }, 120_000);
});
