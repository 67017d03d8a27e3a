import { Plot } from "../report/plotly";
import { Table } from "../report/table";
import { Claim, ClaimCheck } from "./claims";

export const PRESETS = ["quick", "cpu", "paper"] as const;
export type Preset = (typeof PRESETS)[number];

/** What a figure shows from its data: plots, tables, findings stated from the numbers, and each paper claim checked. */
export interface FigureResult {
  plots: Plot[];
  tables: Table[];
  /** Sentences about this run's numbers, e.g. "instability at k = 0: 0.3 ± 0.1 pp (stable)". */
  findings: string[];
  /** One check per claim in the figure's `claims`, in that order: agrees, differs, borderline or not tested. */
  checks: ClaimCheck[];
}

/**
 * A figure: a config per preset, `compute` (config -> data, the slow part: training and measuring) and
 * `render` (config and data -> plots, tables, findings; fast and pure). data.json holds
 * `{ config, ...data }`, so a report can be re-rendered from it with newer rendering code. The CLI, the
 * notebooks and the tests all run figures through this one interface.
 */
export interface Figure<C = unknown, D extends object = any> {
  id: string;
  title: string;
  /** The paper and figure reproduced. */
  source: string;
  /** What the paper found, in a sentence or two. */
  claim: string;
  /** The paper's claims one by one; render checks each against the measurement. */
  claims: Claim[];
  /** The method, as a paper's method section would state it (markdown). */
  method: string;
  /** How the presets differ from the paper's settings. */
  presetNotes: Record<Preset, string>;
  presets: Record<Preset, C>;
  compute(config: C): Promise<D>;
  render(config: C, data: D): FigureResult;
  /**
   * The method as named steps, when the figure is written that way: `compute` runs them in order, and a
   * notebook shows one cell per step (each step re-derives its configs from `config`, finds what earlier
   * steps trained in the run cache, and leaves its results in `state`; the last one leaves `state.data`).
   */
  steps?: FigureStep<C>[];
}

/** One step of a figure's method: a cell of its notebook, and part of `compute` for the CLI. */
export interface FigureStep<C> {
  id: string;
  /** What the step does, as a method section would say it (the markdown above its cell). */
  doc: string;
  run(config: C, state: Record<string, unknown>): Promise<void>;
}

/** `compute` of a figure written as steps: every step in order; the data is what the last one left. */
export function computeBySteps<C, D>(steps: FigureStep<C>[]): (config: C) => Promise<D> {
  return async (config) => {
    const state: Record<string, unknown> = {};
    for (const step of steps) await step.run(config, state);
    if (!("data" in state)) throw new Error(`the last step (${steps[steps.length - 1]?.id}) left no data`);
    return state.data as D;
  };
}

export function defineFigure<C, D extends object = any>(figure: Figure<C, D>): Figure<C, D> {
  return figure;
}

/** A figure without its setting: the paper's claims, the method, compute and render, shared by the figures that run it on different networks. */
export type FigureProtocol<C, D extends object = any> = Omit<Figure<C, D>, "id" | "title" | "presets" | "presetNotes">;

/** A protocol (or another figure) on one setting: its own id, title and presets, and anything else the setting changes (the method, the claims). */
export function figureOn<C, D extends object>(protocol: FigureProtocol<C, D>, v: Pick<Figure<C, D>, "id" | "title" | "presets" | "presetNotes"> & Partial<FigureProtocol<C, D>>): Figure<C, D> {
  return { ...protocol, ...v };
}

/** Computes and renders: what a full run of a figure does. */
export async function runFigureOnce<C, D extends object>(figure: Figure<C, D>, config: C): Promise<{ data: D; result: FigureResult }> {
  const data = await figure.compute(config);
  return { data, result: figure.render(config, data) };
}
