import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/**
 * The Slurm executor on a real one-node cluster (scripts/slurm-cluster.sh): the quick dense-instability
 * figure computed through array jobs must be byte-identical to the local pool's, also when an element is
 * killed with scancel mid-run (it is resubmitted); --dry-run submits nothing; --detach runs the figure in
 * a driver job. Run with `npm run test:slurm` (not in the default suite: about 5 minutes).
 */
const root = resolve(__dirname, "..", "..");
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

let reference: Buffer;

beforeAll(() => {
  execFileSync(join(root, "scripts/slurm-cluster.sh"), ["start", cluster], { stdio: "inherit" });
  const local = fresh();
  const r = figure(FIGURE, local);
  expect(r.code, r.stderr).toBe(0);
  reference = dataOf(local);
}, 300_000);

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
  }, 300_000);

  it("resubmits an element killed with scancel mid-run, and the result is still identical", async () => {
    const results = fresh();
    const child = spawn(process.execPath, [...tsx, ...FIGURE, "--executor", "slurm"], { cwd: root, env: { ...env, LOTTERY_RESULTS: results } });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    // Wait for a running element of the first wave, let it train a little, then kill it.
    let killed = "";
    const until = Date.now() + 120_000;
    while (!killed && Date.now() < until) {
      const running = squeue("%i %T").split("\n").filter((l) => l.endsWith("RUNNING"));
      if (running.length) {
        await new Promise((r) => setTimeout(r, 3000));
        killed = running[0].split(" ")[0];
        execFileSync("scancel", [killed], { env });
      } else await new Promise((r) => setTimeout(r, 200));
    }
    expect(killed, "no element was seen running").not.toBe("");
    expect(await exited, stderr).toBe(0);
    expect(stderr).toMatch(/resubmitting/);
    expect(dataOf(results).equals(reference)).toBe(true);
  }, 300_000);

  it("--dry-run prints the first wave's sbatch command and submits nothing", async () => {
    await queueEmpty(30_000);
    const results = fresh();
    const r = figure([...FIGURE, "--executor", "slurm", "--dry-run", "--partition", "debug", "--max-parallel", "3"], results);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^sbatch .*--array=0%3 .*--partition=debug/m);
    expect(squeue("%i")).toBe("");
    expect(existsSync(join(results, "figures"))).toBe(false);
  }, 60_000);

  it("--detach submits a driver job that computes the figure on the cluster", async () => {
    const results = fresh();
    const r = figure([...FIGURE, "--executor", "slurm", "--detach"], results);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/submitted driver job \d+/);
    await queueEmpty(300_000);
    expect(dataOf(results).equals(reference)).toBe(true);
    expect(readdirSync(join(results, "slurm")).some((f) => f.startsWith("driver-"))).toBe(true);
  }, 360_000);

  it("rejects Slurm options without --executor slurm, in one line", () => {
    const r = figure([...FIGURE, "--partition", "gpu"], fresh());
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe("error: --partition is a Slurm option; add --executor slurm.");
  });
});
