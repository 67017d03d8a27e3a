import { describe, expect, it } from "vitest";
import { arraySpec, sbatchArgs } from "../lib/parallel/slurm";
import { executorFromFlags } from "../lib/parallel/slurm-cli";
import { DEFAULT_SLURM } from "../lib/parallel/executor";

describe("Slurm submission", () => {
  it("writes --array as ranges of the indices still to do, with the parallel limit", () => {
    expect(arraySpec([0, 1, 2, 3], null)).toBe("0-3");
    expect(arraySpec([7, 0, 1, 3, 9, 10], 4)).toBe("0-1,3,7,9-10%4");
    expect(arraySpec([5], 1)).toBe("5%1");
  });

  it("passes the resource flags to sbatch for every element", () => {
    const args = sbatchArgs("/shared/results/slurm/wave-x", [0, 1], { ...DEFAULT_SLURM, partition: "gpu", time: "1:00:00", cpusPerTask: 4, gres: "gpu:1", maxParallel: 8 });
    expect(args).toEqual(expect.arrayContaining(["--array=0-1%8", "--partition=gpu", "--time=1:00:00", "--cpus-per-task=4", "--gres=gpu:1", "--output=/shared/results/slurm/wave-x/%A_%a.log"]));
    expect(args.find((a) => a.startsWith("--wrap="))).toMatch(/bin\/task\.ts" "\/shared\/results\/slurm\/wave-x\/tasks\.json" "\$SLURM_ARRAY_TASK_ID"$/);
  });

  it("checks the executor flags, one clear line each", () => {
    expect(executorFromFlags({ executor: "local" })).toEqual({ kind: "local" });
    expect(() => executorFromFlags({ executor: "local", gres: "gpu:1" })).toThrow("--gres is a Slurm option; add --executor slurm.");
    expect(() => executorFromFlags({ executor: "pbs" })).toThrow('unknown executor "pbs"; use local (the default) or slurm.');
    expect(() => executorFromFlags({ executor: "slurm", "max-parallel": "0" })).toThrow("--max-parallel 0 must be an integer >= 1.");
    expect(() => executorFromFlags({ executor: "slurm", retries: "-1" })).toThrow("--retries -1 must be an integer >= 0.");
    const e = executorFromFlags({ executor: "slurm", retries: "0", "dry-run": true });
    expect(e.kind === "slurm" && e.options.retries === 0 && e.options.dryRun).toBe(true);
  });
});
