import { join } from "node:path";
import { getFigure } from "./registry";
import { Figure, FigureResult, Preset, PRESETS } from "./figure";
import { checkSentence } from "./claims";
import { guardOutput } from "./output-guard";
import { initBackend } from "../backend";
import { gitState, provenance, Provenance, reportProvenance } from "../report/provenance";
import { reportBody, reportHtml } from "../report/html";
import { resultsDir } from "../store/paths";
import { jsonText, writeFilesAtomic } from "../util/atomic";
import { UserError } from "../util/errors";
import { trackFigure } from "../parallel/figure-progress";
import { stopIfDryRun } from "../parallel/executor";
import { DataConfig, loadDataset } from "../data/registry";
import { readSavedResult } from "./saved-result";
import { ConfigSet, applySets, setSuffix } from "./config-set";
import { Placement, fieldValues, placementLine, placementOf } from "../placement";

export interface FigureRun extends FigureResult {
  id: string;
  preset: Preset;
  outDir: string;
  /** `{ config, ...data }`, as in data.json. */
  data: object;
  provenance: Provenance;
  /** The report without the Plotly bundle, for display in a notebook after plotlyScript(). */
  bodyHtml: string;
}

export interface RunFigureOptions {
  /** Replaces keys of the preset's config. */
  overrides?: Record<string, unknown>;
  /** Replace committed results written at another commit (refused otherwise). */
  overwrite?: boolean;
  /** Where to write (default results/figures/<id>/<preset>/, or <preset>-set-<hash>/ with `sets`). */
  outDir?: string;
  /** Fields of the preset's config changed (`--set train.lr=0.05`). */
  sets?: ConfigSet[];
}

export function figureDir(id: string, preset: Preset): string {
  return join(resultsDir(), "figures", id, preset);
}

function checkPreset(preset: string): Preset {
  if (!(PRESETS as readonly string[]).includes(preset)) throw new UserError(`unknown preset "${preset}"; use one of: ${PRESETS.join(", ")}.`);
  return preset as Preset;
}

/** Writes report.html and returns what a notebook shows; findings end with one sentence per paper claim. */
function writeReport(figure: Figure, p: Preset, outDir: string, data: object, result: FigureResult, prov: Provenance, writeData: boolean): FigureRun {
  const findings = [...result.findings, ...result.checks.map((c) => checkSentence(figure.claims, c))];
  const content = { title: figure.title, source: figure.source, claim: figure.claim, presetNote: figure.presetNotes[p], claims: figure.claims, ...result, findings: result.findings };
  // All or nothing: a full disk must not leave a data.json without its report (or the reverse).
  writeFilesAtomic([
    ...(writeData ? [{ path: join(outDir, "data.json"), data: jsonText(data) }] : []),
    { path: join(outDir, "provenance.json"), data: jsonText(prov) },
    { path: join(outDir, "report.html"), data: reportHtml({ ...content, provenance: prov }) },
  ]);
  return { ...result, findings, id: figure.id, preset: p, outDir, data, provenance: prov, bodyHtml: reportBody(content) };
}

/**
 * Runs a figure at a preset and writes results/figures/<id>/<preset>/: data.json, report.html and
 * provenance.json. Runs it needs that are already in the run cache are reused. Refuses, before any
 * work, to replace committed results of another commit unless `overwrite`.
 */
export async function runFigure(id: string, preset: string, options: RunFigureOptions = {}): Promise<FigureRun> {
  const session = await startFigure(id, preset, options);
  const computed = await trackFigure(id, () => session.figure.compute(session.config));
  stopIfDryRun();
  return finishFigure(session, computed);
}

/** A figure run between its checks and its report: what `finishFigure` needs to write it. */
export interface FigureSession {
  figure: Figure;
  preset: Preset;
  outDir: string;
  config: object;
  started: Date;
  git: ReturnType<typeof gitState>;
  backend: Awaited<ReturnType<typeof initBackend>>;
  /** Where the work runs, decided once here and recorded in provenance. */
  placement: Placement;
}

/**
 * Everything before the computation: the output guard, the config (the preset's with `overrides`, or
 * `config` outright), the backend and the data set checked once, so a missing or corrupt file is one
 * clear error rather than one per worker.
 */
export async function startFigure(id: string, preset: string, options: RunFigureOptions & { config?: object } = {}): Promise<FigureSession> {
  const figure = getFigure(id);
  const p = checkPreset(preset);
  const sets = options.sets ?? [];
  const outDir = options.outDir ?? (sets.length ? `${figureDir(id, p)}-${setSuffix(sets)}` : figureDir(id, p));
  const git = gitState();
  guardOutput(outDir, git.commit, options.overwrite ?? false);
  const config = options.config ?? applySets({ ...(figure.presets[p] as object), ...options.overrides }, sets);
  const started = new Date();
  // The first model and data set decide the backend named in the provenance and the data set checked up front.
  const backend = await initBackend(fieldValues<string>(config, "model")[0]);
  const dataConfig = fieldValues<DataConfig>(config, "data")[0];
  if (dataConfig) loadDataset(dataConfig);
  const placement = placementOf(config);
  console.log(placementLine(placement));
  return { figure, preset: p, outDir, config, started, git, backend, placement };
}

/** Writes data.json, report.html and provenance.json of a computed figure. */
export function finishFigure(s: FigureSession, computed: object): FigureRun {
  const data = { config: s.config, ...computed };
  const prov = { ...provenance(s.figure.id, s.preset, s.config, s.backend, s.started, s.git), placement: s.placement, report: reportProvenance() };
  return writeReport(s.figure, s.preset, s.outDir, data, s.figure.render(s.config, computed), prov, true);
}

/**
 * Re-renders report.html from an existing data.json with the current code: the data and the record of
 * what computed it are kept; provenance.json gains (or updates) `report`, the commit that rendered it.
 */
export function renderFigure(id: string, preset: string, options: Pick<RunFigureOptions, "outDir"> = {}): FigureRun {
  const figure = getFigure(id);
  const p = checkPreset(preset);
  const outDir = options.outDir ?? figureDir(id, p);
  const saved = readSavedResult(outDir);
  if (!saved) throw new UserError(`${join(outDir, "data.json")} or provenance.json is missing: nothing to re-render; run the figure first (without --render-only).`);
  const prov = { ...saved.provenance, report: reportProvenance() };
  return writeReport(figure, p, outDir, saved.data, figure.render(saved.config, saved.computed), prov, false);
}
