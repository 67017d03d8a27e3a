import { join } from "node:path";
import { DEFAULT_SLURM, Executor, SlurmOptions } from "./executor";
import { shellQuote, slurm } from "./slurm";
import { REPO_ROOT, resultsDir } from "../store/paths";
import { ensureDir } from "../util/atomic";
import { UserError } from "../util/errors";

/** The command line's executor flags (parseArgs options). */
export const SLURM_FLAGS = {
  executor: { type: "string", default: "local" },
  partition: { type: "string" },
  time: { type: "string" },
  "cpus-per-task": { type: "string" },
  gres: { type: "string" },
  "max-parallel": { type: "string" },
  retries: { type: "string" },
  detach: { type: "boolean" },
  "dry-run": { type: "boolean" },
} as const;

type Flags = { executor?: string; partition?: string; time?: string; "cpus-per-task"?: string; gres?: string; "max-parallel"?: string; retries?: string; detach?: boolean; "dry-run"?: boolean };

function count(flag: string, value: string | undefined, min: number): number | null {
  if (value === undefined) return null;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UserError(`--${flag} ${value} must be an integer >= ${min}.`);
  return n;
}

export function executorFromFlags(f: Flags): Executor {
  const slurmOnly = ["partition", "time", "cpus-per-task", "gres", "max-parallel", "retries", "detach", "dry-run"] as const;
  if (f.executor === "local") {
    const given = slurmOnly.filter((k) => f[k] !== undefined);
    if (given.length) throw new UserError(`--${given[0]} is a Slurm option; add --executor slurm.`);
    return { kind: "local" };
  }
  if (f.executor !== "slurm") throw new UserError(`unknown executor "${f.executor}"; use local (the default) or slurm.`);
  const options: SlurmOptions = {
    ...DEFAULT_SLURM,
    partition: f.partition ?? null,
    time: f.time ?? null,
    gres: f.gres ?? null,
    cpusPerTask: count("cpus-per-task", f["cpus-per-task"], 1),
    maxParallel: count("max-parallel", f["max-parallel"], 1),
    retries: count("retries", f.retries, 0) ?? DEFAULT_SLURM.retries,
    dryRun: Boolean(f["dry-run"]),
    pollSeconds: Number(process.env.LOTTERY_SLURM_POLL ?? DEFAULT_SLURM.pollSeconds),
  };
  return { kind: "slurm", options };
}

/**
 * --detach: a driver job runs the same command (without --detach) on the cluster, submitting each wave
 * from there. Rerunning the command later picks up whatever the shared cache holds by then.
 */
export function submitDriver(id: string, preset: string, o: SlurmOptions, argv: string[]): string {
  const logs = join(resultsDir(), "slurm");
  ensureDir(logs);
  const args = argv.filter((a) => a !== "--detach");
  const tsx = join(REPO_ROOT, "node_modules", ".bin", "tsx");
  const command = [tsx, join(REPO_ROOT, "bin", "figure.ts"), ...args].map(shellQuote).join(" ");
  const sbatch = [
    "--parsable",
    "--job-name=lottery-lab-driver",
    `--output=${join(logs, `driver-${id.replace(/\//g, "_")}-${preset}-%j.log`)}`,
    `--chdir=${REPO_ROOT}`,
    ...(o.partition ? [`--partition=${o.partition}`] : []),
    `--wrap=${command}`,
  ];
  if (o.dryRun) return `sbatch ${sbatch.map(shellQuote).join(" ")}`;
  const jobId = slurm("sbatch", sbatch).split(";")[0];
  return `submitted driver job ${jobId} for ${id} (${preset}); its log: ${join(logs, `driver-${id.replace(/\//g, "_")}-${preset}-${jobId}.log`)}. Run the same command without --detach later to render from the cache.`;
}
