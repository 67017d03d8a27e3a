import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/**
 * The Slurm executor on a real one-node cluster (scripts/slurm-cluster.sh): the quick dense-instability
 * figure computed through array jobs must be byte-identical to the local pool's, also when an element is
 * killed with scancel mid-run (it is resubmitted); --dry-run submits nothing; --detach runs the figure in
 * a driver job. Run with `npm run test:slurm` (not in the default suite: about 5 minutes).
 */
const root = resolve(__dirname, "..", "..");
/** Every wait here is bounded by a deadline, never a speed: generous, so a loaded machine passes too. */
const DEADLINE = 900_000;
const cluster = mkdtempSync(join(tmpdir(), "slurm-cluster-"));
const env = { ...process.env, SLURM_CONF: join(cluster, "slurm.conf"), LOTTERY_SLURM_POLL: "1" };
const FIGURE = ["lmc/dense-instability", "--preset", "quick"];
const dataOf = (results: string) => readFileSync(join(results, "figures/lmc/dense-instability/quick/data.json"));
const provenanceOf = (results: string) => JSON.parse(readFileSync(join(results, "figures/lmc/dense-instability/quick/provenance.json"), "utf8"));
const tsx = [join(root, "node_modules/tsx/dist/cli.mjs"), join(root, "bin/figure.ts")];

function figure(args: string[], results: string) {
  const r = spawnSync(process.execPath, [...tsx, ...args], { cwd: root, encoding: "utf8", env: { ...env, LOTTERY_RESULTS: results } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const squeue = (format: string) => execFileSync("squeue", ["-h", "-r", "-o", format], { env, encoding: "utf8" }).trim();
const fresh = () => mkdtempSync(join(tmpdir(), "slurm-results-"));
async function queueEmpty(timeoutMs: number) {
  const until = Date.now() + timeoutMs;
  while (squeue("%i") !== "") {
    if (Date.now() > until) throw new Error("Slurm queue did not drain");
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Polls `probe` until it returns a value; a deadline (not a speed) bounds the wait. */
async function until<T>(probe: () => T | undefined, why: string, deadlineMs = DEADLINE / 2): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== "") return v;
    if (Date.now() > end) throw new Error(why);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A gate in front of every Slurm array element: a `node` first on PATH that, inside an element, records
 * "<job>_<index>" as arrived and waits until the gate is opened, then runs the real node. Elements start
 * Node through tsx's `#!/usr/bin/env node`, so the gate needs nothing from the code under test.
 */
function holdElements() {
  const dir = mkdtempSync(join(tmpdir(), "slurm-gate-"));
  const bin = join(dir, "bin");
  mkdirSync(bin);
  const node = join(bin, "node");
  writeFileSync(
    node,
    [
      "#!/bin/sh",
      'if [ -n "$SLURM_ARRAY_TASK_ID" ]; then',
      `  touch "${dir}/arrived-$SLURM_ARRAY_JOB_ID"_"$SLURM_ARRAY_TASK_ID"`,
      `  while [ ! -e "${dir}/open" ]; do sleep 0.1; done`,
      "fi",
      `exec "${process.execPath}" "$@"`,
      "",
    ].join("\n"),
  );
  chmodSync(node, 0o755);
  return {
    bin,
    arrived: () => readdirSync(dir).filter((f) => f.startsWith("arrived-")).map((f) => f.slice("arrived-".length)).sort(),
    open: () => writeFileSync(join(dir, "open"), ""),
  };
}

let reference: Buffer;
/** The local run's results folder: every task of the figure is in its cache. */
let warm: string;

beforeAll(() => {
  execFileSync(join(root, "scripts/slurm-cluster.sh"), ["start", cluster], { stdio: "inherit" });
  warm = fresh();
  const r = figure(FIGURE, warm);
  expect(r.code, r.stderr).toBe(0);
  reference = dataOf(warm);
}, DEADLINE);

afterAll(() => {
  spawnSync(join(root, "scripts/slurm-cluster.sh"), ["stop", cluster], { stdio: "inherit" });
});

describe("--executor slurm", () => {
  it("computes the same bytes as the local pool, through array jobs, and names the jobs in provenance", () => {
    const results = fresh();
    const r = figure([...FIGURE, "--executor", "slurm"], results);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/submitted array job \d+/);
    expect(dataOf(results).equals(reference)).toBe(true);
    const prov = provenanceOf(results);
    expect(prov.executor.kind).toBe("slurm");
    expect(prov.executor.jobIds.length).toBeGreaterThanOrEqual(3); // parents, copies, paths
  }, DEADLINE);

  it("resubmits an element killed with scancel mid-run, and the result is still identical", async () => {
    const results = fresh();
    const gate = holdElements();
    const child = spawn(process.execPath, [...tsx, ...FIGURE, "--executor", "slurm"], {
      cwd: root,
      env: { ...env, LOTTERY_RESULTS: results, PATH: `${gate.bin}:${process.env.PATH}` },
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    // Every element of the figure is held at the gate before its task starts, so the one killed here
    // is mid-run by construction: it cannot have written a result, whatever the machine's speed.
    const element = await until(() => gate.arrived()[0], "no element reached the gate");
    execFileSync("scancel", [element], { env });
    await until(() => !squeue("%i").split("\n").includes(element) || undefined, `element ${element} stayed in the queue after scancel`);
    gate.open();
    expect(await exited, stderr).toBe(0);
    expect(stderr).toMatch(new RegExp(`slurm job ${element.split("_")[0]}: 1 elements did not finish .*resubmitting`));
    expect(dataOf(results).equals(reference)).toBe(true);
  }, DEADLINE);

  it("--dry-run prints the first wave's sbatch command and submits nothing", async () => {
    await queueEmpty(DEADLINE / 2);
    const results = fresh();
    const r = figure([...FIGURE, "--executor", "slurm", "--dry-run", "--partition", "debug", "--max-parallel", "3"], results);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^sbatch .*--array=0%3 .*--partition=debug/m);
    expect(squeue("%i")).toBe("");
    expect(existsSync(join(results, "figures"))).toBe(false);
  }, DEADLINE);

  it("--dry-run with every task cached says so, submits nothing and writes no figure", () => {
    const out = join(warm, "figures");
    rmSync(out, { recursive: true });
    const r = figure([...FIGURE, "--executor", "slurm", "--dry-run"], warm);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/dry run: every task of this figure is already in the run cache/);
    expect(r.stdout).not.toMatch(/^sbatch /m);
    expect(squeue("%i")).toBe("");
    expect(existsSync(out)).toBe(false);
  }, DEADLINE);

  it("--detach submits a driver job that computes the figure on the cluster", async () => {
    const results = fresh();
    const r = figure([...FIGURE, "--executor", "slurm", "--detach"], results);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/submitted driver job \d+/);
    await queueEmpty(DEADLINE - 60_000);
    expect(dataOf(results).equals(reference)).toBe(true);
    expect(readdirSync(join(results, "slurm")).some((f) => f.startsWith("driver-"))).toBe(true);
  }, DEADLINE);

  it("rejects Slurm options without --executor slurm, in one line", () => {
    const r = figure([...FIGURE, "--partition", "gpu"], fresh());
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe("error: --partition is a Slurm option; add --executor slurm.");
  });
});
