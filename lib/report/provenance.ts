import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { isAbsolute, join, relative } from "node:path";
import { cpus, platform, arch } from "node:os";
import { REPO_ROOT } from "../store/paths";
import { BackendInfo } from "../backend";
import { executorRecord } from "../parallel/executor";
import { PLOTLY_PACKAGE } from "./plotly";
import { Placement } from "../placement";

/** What produced a results folder: code version, config, backend, software and machine, timing. */
export interface Provenance {
  figure: string;
  preset: string;
  gitCommit: string | null;
  /** True when the working tree had uncommitted changes to tracked files. */
  gitDirty: boolean | null;
  config: unknown;
  backend: BackendInfo;
  versions: Record<string, string>;
  machine: { cpu: string; cores: number; platform: string };
  startedAt: string;
  wallSeconds: number;
  command: string;
  /** Where the tasks ran: the local pool, or Slurm with the ids of the array jobs submitted (absent in older results). */
  executor?: { kind: string; jobIds: string[] };
  /** Where the work ran: each model's backend, the executor and workers, the results folder (absent in older results). */
  placement?: Placement;
  /** Who rendered report.html (the same commit as the data, or a later one after --render-only). */
  report?: ReportProvenance;
}

/** The code that rendered a report from data.json. */
export interface ReportProvenance {
  gitCommit: string | null;
  gitDirty: boolean | null;
  renderedAt: string;
  command: string;
}

export interface GitState {
  commit: string | null;
  dirty: boolean | null;
}

function git(args: string[]): string | null {
  try {
    return execFileSync("git", args, { cwd: REPO_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return null;
  }
}

/** The command that ran, with paths relative to the repository so that provenance names no machine's folders. */
export function commandLine(): string {
  return process.argv
    .slice(1)
    .map((a) => (isAbsolute(a) ? relative(REPO_ROOT, a) || "." : a))
    .join(" ");
}

/** The commit checked out and whether tracked files differ from it. */
export function gitState(): GitState {
  const status = git(["status", "--porcelain", "--untracked-files=no"]);
  return { commit: git(["rev-parse", "HEAD"]), dirty: status === null ? null : status.length > 0 };
}

/** Whether `path` (absolute) is a file tracked by the repository. */
export function isTracked(path: string): boolean {
  const rel = relative(REPO_ROOT, path);
  if (rel.startsWith("..") || isAbsolute(rel)) return false;
  return git(["ls-files", "--error-unmatch", "--", rel]) !== null;
}

export function reportProvenance(state: GitState = gitState()): ReportProvenance {
  return { gitCommit: state.commit, gitDirty: state.dirty, renderedAt: new Date().toISOString(), command: commandLine() };
}

/** `state`: git when the computation started (HEAD may move while it runs). */
export function provenance(
  figure: string,
  preset: string,
  config: unknown,
  backend: BackendInfo,
  started: Date,
  state: GitState = gitState(),
): Provenance {
  const pkg = (name: string) => {
    try {
      return require(`${name}/package.json`).version as string;
    } catch {
      return "absent";
    }
  };
  return {
    figure,
    preset,
    gitCommit: state.commit,
    gitDirty: state.dirty,
    config,
    backend,
    versions: {
      node: process.version,
      lotteryLab: JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")).version,
      "@tensorflow/tfjs": pkg("@tensorflow/tfjs"),
      "@tensorflow/tfjs-backend-wasm": pkg("@tensorflow/tfjs-backend-wasm"),
      "danfojs-node": pkg("danfojs-node"),
      [PLOTLY_PACKAGE]: pkg(PLOTLY_PACKAGE),
    },
    machine: { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, platform: `${platform()}-${arch()}` },
    startedAt: started.toISOString(),
    wallSeconds: (Date.now() - started.getTime()) / 1000,
    command: commandLine(),
    executor: executorRecord(),
  };
}
