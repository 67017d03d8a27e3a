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
   * The method as named steps, when the figure is written that way (a `Method`): `compute` runs them in
   * order, and a notebook shows one cell per step, `const paths = await walk.paths()`. Each step re-derives
   * its configs from `config`, finds what earlier steps trained in the run cache, and returns its result,
   * which later steps read by the step's name; the last step's result is the figure's data.
   */
  steps?: FigureStep<C>[];
}

/** One step of a figure's method: a cell of its notebook, and part of `compute` for the CLI. */
export interface FigureStep<C, Done = any, K extends string = string, R = unknown> {
  /** The step's name, and the name of its result (for later steps and in the notebook cell). */
  id: K;
  /** What the step does, as a method section would say it (the markdown above its cell). */
  doc: string;
  /** Runs the step from the config and the results of the steps before it, by name. */
  run(config: C, done: Done): Promise<R>;
}

/**
 * A figure's method: its steps in order, each reading the results of the ones before it by name, typed
 * (`done.paths` is what the `paths` step returned). Built step by step: `method<C>().step(...).step(...)`.
 */
export interface Method<C, Done extends object = {}, D = never> {
  readonly steps: FigureStep<C>[];
  /** Appends a step; its result is `done[id]` for the steps after it. */
  step<K extends string, R>(id: K, doc: string, run: (c: C, done: Done) => Promise<R>): Method<C, Done & { [P in K]: R }, R>;
  /** Appends a step made elsewhere (one that several methods share). */
  add<K extends string, R>(step: FigureStep<C, Done, K, R>): Method<C, Done & { [P in K]: R }, R>;
  /** Every step in order; the data is the last step's result. */
  compute(c: C): Promise<D>;
}

export function method<C>(): Method<C> {
  return methodOf<C, {}, never>([]);
}

function methodOf<C, Done extends object, D>(steps: FigureStep<C>[]): Method<C, Done, D> {
  return {
    steps,
    step: (id, doc, run) => methodOf([...steps, { id, doc, run }]),
    add: (step) => methodOf([...steps, step]),
    compute: (c) => computeBySteps<C, D>(steps, c),
  };
}

/** Runs `steps` in order, each with the results of those before it; returns the last one's. */
export async function computeBySteps<C, D>(steps: FigureStep<C>[], config: C): Promise<D> {
  if (!steps.length) throw new Error("a method needs at least one step");
  const done: Record<string, unknown> = {};
  for (const step of steps) done[step.id] = await step.run(config, done);
  return done[steps[steps.length - 1].id] as D;
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
