import { Plot } from "../report/plotly";
import { Table } from "../report/table";

export const PRESETS = ["quick", "cpu", "paper"] as const;
export type Preset = (typeof PRESETS)[number];

/** What a figure computes: its data (JSON), plots, tables, and findings stated from the numbers. */
export interface FigureResult {
  data: unknown;
  plots: Plot[];
  tables: Table[];
  /** Sentences about this run's numbers, e.g. "instability at k = 0: 0.3 ± 0.1 pp (stable)". */
  findings: string[];
}

/**
 * A figure: a config per preset, and a function from config to result. The CLI, the notebooks and the
 * tests all run figures through this one interface.
 */
export interface Figure<C = unknown> {
  id: string;
  title: string;
  /** The paper and figure reproduced. */
  source: string;
  /** What the paper found, in a sentence or two. */
  claim: string;
  /** The method, as a paper's method section would state it (markdown). */
  method: string;
  /** How the presets differ from the paper's settings. */
  presetNotes: Record<Preset, string>;
  presets: Record<Preset, C>;
  run(config: C): Promise<FigureResult>;
}

export function defineFigure<C>(figure: Figure<C>): Figure<C> {
  return figure;
}
