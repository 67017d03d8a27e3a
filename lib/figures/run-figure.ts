import { join } from "node:path";
import { getFigure } from "./registry";
import { FigureResult, Preset, PRESETS } from "./figure";
import { initBackend } from "../backend";
import { provenance, Provenance } from "../report/provenance";
import { reportBody, reportHtml } from "../report/html";
import { resultsDir } from "../store/paths";
import { writeFileAtomic, writeJsonAtomic } from "../util/atomic";
import { UserError } from "../util/errors";
import { DataConfig, loadDataset } from "../data/registry";

export interface FigureRun extends FigureResult {
  id: string;
  preset: Preset;
  outDir: string;
  provenance: Provenance;
  /** The report without the Plotly bundle, for display in a notebook after plotlyScript(). */
  bodyHtml: string;
}

export function figureDir(id: string, preset: Preset): string {
  return join(resultsDir(), "figures", id, preset);
}

/**
 * Runs a figure at a preset and writes results/figures/<id>/<preset>/: data.json, report.html and
 * provenance.json. Runs it needs that are already in the run cache are reused.
 */
export async function runFigure(id: string, preset: string, overrides: Record<string, unknown> = {}): Promise<FigureRun> {
  const figure = getFigure(id);
  if (!(PRESETS as readonly string[]).includes(preset)) throw new UserError(`unknown preset "${preset}"; use one of: ${PRESETS.join(", ")}.`);
  const p = preset as Preset;
  const config = { ...(figure.presets[p] as object), ...overrides };
  const started = new Date();
  const backend = await initBackend();
  // Check the data here, once, so a missing or corrupt file is one clear error rather than one per worker.
  const data = (config as { data?: DataConfig }).data;
  if (data) loadDataset(data);
  const result = await figure.run(config);
  const prov = provenance(id, p, config, backend, started);
  const outDir = figureDir(id, p);
  const content = { title: figure.title, source: figure.source, claim: figure.claim, presetNote: figure.presetNotes[p], ...result };
  writeJsonAtomic(join(outDir, "data.json"), result.data);
  writeJsonAtomic(join(outDir, "provenance.json"), prov);
  writeFileAtomic(join(outDir, "report.html"), reportHtml({ ...content, provenance: prov }));
  return { ...result, id, preset: p, outDir, provenance: prov, bodyHtml: reportBody(content) };
}
