/**
 * `npm run bench`: lottery-lab against PyTorch, workload by workload, on every backend installed here.
 *
 * Every cell is timed in a child process of its own whose thread settings are what its column says:
 *   ours, 1 thread   LOTTERY_BACKEND=<backend>, TF_NUM_INTRAOP_THREADS=TF_NUM_INTEROP_THREADS=1 (tfjs-node),
 *                    LOTTERY_WORKERS=1; wasm runs one thread in Node whatever is set
 *   ours, all cores  the same with <cores> threads and workers
 *   PyTorch, 1 thread     OPENBLAS_NUM_THREADS=OMP_NUM_THREADS=MKL_NUM_THREADS=1 in its environment, and
 *                         torch.set_num_threads(1) (bench/reference.py)
 *   PyTorch, all cores    the same with <cores>
 * and every repetition reports how many threads actually did the work (from /proc), so a label that is not
 * true shows. Repetitions of the cells of a row are interleaved (ours, PyTorch, ours, PyTorch, ...) and
 * repeated until every cell's median is known within about 5 % (or a maximum count). Prints the cells with
 * their spread, the ratios and the speed targets, and writes bench/results/<date>.json.
 *
 *   npm run bench                     the full benchmark
 *   npm run bench -- --quick          a smoke check of the code (tiny sizes, 2 repetitions; not a result)
 *   npm run bench -- --profile        where a step's time goes, per backend and PyTorch (no timing table)
 *   npm run bench -- --rows lenet-step,conv2-step --backends tensorflow   a subset
 */
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { main } from "../lib/cli";
import { nativePackage, BackendName, BACKENDS } from "../lib/backend-choice";
import { blasUnavailableReason, loadBlas } from "../lib/kernels/blas";
import { MODEL_NAMES } from "../lib/models/registry";
import { mnistDataDir } from "../lib/data/mnist";
import { cifar10JpegSource, dataDir, loadCifar10Jpeg } from "../lib/data/cifar10";
import { getFigure } from "../lib/figures/registry";
import { DenseInstabilityConfig } from "../lib/figures/protocols/dense-instability";
import { UserError } from "../lib/util/errors";
import { CIFAR_STEPS, CONV_AGGREGATE, FULL, PREFIX, QUICK, Sizes, Timing, Workload, isCifarStep, median, medianUncertainty, quantile } from "./common";
import type { Profile } from "./profile";

const ROOT = resolve(__dirname, "..");
const TSX = join(ROOT, "node_modules", ".bin", "tsx");
const CORES = cpus().length;
const FIGURE = "lmc/dense-instability";

type Threads = "1" | "all";
type Side = "ours" | "ref";

interface Column {
  side: Side;
  backend: BackendName | null;
  threads: Threads;
}

const colName = (c: Column) => `${c.side === "ours" ? `ours ${c.backend}` : "PyTorch"}, ${c.threads === "1" ? "1 thread" : `all cores (${CORES})`}`;

function columnEnv(c: Column): NodeJS.ProcessEnv {
  const n = String(c.threads === "1" ? 1 : CORES);
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: n, OMP_NUM_THREADS: n, MKL_NUM_THREADS: n };
  if (c.side === "ours") Object.assign(env, { LOTTERY_BACKEND: c.backend!, LOTTERY_WORKERS: n, TF_NUM_INTRAOP_THREADS: n, TF_NUM_INTEROP_THREADS: n, TF_CPP_MIN_LOG_LEVEL: "2" });
  return env;
}

/** A timing child (bench/ours.ts or bench/reference.py) speaking the line protocol of common.ts. */
class Child {
  private proc: ChildProcess;
  private waiting: ((line: string) => void)[] = [];
  private stderr: string[] = [];
  private exited: string | null = null;
  private ended: Promise<void>;

  constructor(readonly name: string, command: string, args: string[], env: NodeJS.ProcessEnv, verbose: boolean) {
    this.proc = spawn(command, args, { cwd: ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
    createInterface({ input: this.proc.stdout! }).on("line", (line) => {
      if (line.startsWith(PREFIX)) this.waiting.shift()?.(line.slice(PREFIX.length));
      else if (verbose) process.stderr.write(`  [${name}] ${line}\n`);
    });
    createInterface({ input: this.proc.stderr! }).on("line", (line) => {
      this.stderr.push(line);
      if (this.stderr.length > 30) this.stderr.shift();
      if (verbose) process.stderr.write(`  [${name}] ${line}\n`);
    });
    this.ended = new Promise((res) => this.proc.once("exit", () => res()));
    this.proc.on("exit", (code) => {
      this.exited = `exited with code ${code}: ${this.stderr.slice(-5).join(" | ")}`;
      for (const w of this.waiting.splice(0)) w(JSON.stringify({ ok: false, error: `${this.name} ${this.exited}` }));
    });
  }

  async request<T = Record<string, unknown>>(req: object): Promise<T> {
    if (this.exited) throw new Error(`${this.name} ${this.exited}`);
    const line = await new Promise<string>((res) => {
      this.waiting.push(res);
      this.proc.stdin!.write(`${JSON.stringify(req)}\n`);
    });
    const r = JSON.parse(line);
    if (!r.ok) throw new Error(r.error);
    return r as T;
  }

  close(): void {
    this.proc.stdin!.end();
    setTimeout(() => this.proc.kill(), 2000).unref();
  }

  /** Closes the child and waits until it has exited (and its memory is free). */
  async stop(): Promise<void> {
    if (!this.exited) this.close();
    await this.ended;
  }
}

/** The first python that imports torch: $LOTTERY_BENCH_PYTHON, python3 on PATH, /usr/bin/python3. */
function findPython(): string | null {
  const candidates = [process.env.LOTTERY_BENCH_PYTHON, "python3", "/usr/bin/python3"].filter((p): p is string => Boolean(p));
  for (const p of candidates) if (spawnSync(p, ["-c", "import torch"], { stdio: "ignore" }).status === 0) return p;
  return null;
}

/** Why the conv-aggregate row cannot run here (its model or data set is missing), or null. */
function convAggregateMissing(): string | null {
  if (!MODEL_NAMES.includes(CONV_AGGREGATE.model)) return `no "${CONV_AGGREGATE.model}" in lib/models/registry.ts`;
  const source = cifar10JpegSource();
  if (!existsSync(source)) return `no CIFAR-10 (JPEG copy) at ${source}; set CIFAR10_JPEG to it`;
  if (statSync(source).isDirectory()) return `CIFAR10_JPEG=${source} is a folder; the row needs the .tar.gz (whose decoded cache PyTorch reads)`;
  return null;
}

/**
 * The library's decoded cache of the JPEG copy of CIFAR-10 (lib/data/cifar10.ts: <data>/cifar10-jpeg/<hash of the
 * archive>/train.bin and test.bin, label byte + 3,072 channel-major bytes per image), decoded here first when
 * missing (untimed), so that reference.py reads the same examples as the library's workers without decoding JPEGs.
 */
function cifarRecordsDir(log: (s: string) => void): string {
  const source = cifar10JpegSource();
  const tag = createHash("sha256").update(readFileSync(source)).digest("hex");
  const dir = join(dataDir(), "cifar10-jpeg", createHash("sha256").update(tag).digest("hex").slice(0, 16));
  const ready = () => ["train.bin", "test.bin"].every((f) => existsSync(join(dir, f)));
  if (!ready()) {
    log(`decoding ${source} into ${dir} (once; untimed)`);
    loadCifar10Jpeg();
  }
  if (!ready()) throw new Error(`${dir}: no decoded CIFAR-10 after loading it; lib/data/cifar10.ts caches it elsewhere now, update cifarRecordsDir in bench/bench.ts`);
  return dir;
}

/** Labels of the CIFAR-sized step rows, by workload. */
const STEP_LABELS: Record<keyof typeof CIFAR_STEPS, string> = {
  "resnet20-step": "ResNet-20",
  "resnet20-4-step": "ResNet-20-4 (width 4)",
  "resnet20-8-step": "ResNet-20-8 (width 8)",
  "vgg16-step": "VGG-16",
};

interface RowDef {
  id: string;
  label: string;
  unit: string;
  ours: Workload | "figure";
  ref: Workload | "figure";
  /** Target ratio (ours / PyTorch on one thread) and which of our columns it is judged on. */
  target: number;
  targetThreads: Threads;
  reps: [number, number];
}

interface Cell {
  column: Column;
  name: string;
  reps: Timing[];
  error?: string;
  /** Set when the cell is the same measurement as another (wasm's all-cores column of a single run). */
  sameAs?: string;
  median?: number;
  q1?: number;
  q3?: number;
  min?: number;
  max?: number;
  uncertainty?: number;
  threadsUsed?: number;
  cpuPerWall?: number;
}

const rateOf = (t: Timing) => t.units / t.seconds;

function summarise(c: Cell): void {
  if (!c.reps.length) return;
  const rates = c.reps.map(rateOf);
  Object.assign(c, {
    median: median(rates),
    q1: quantile(rates, 0.25),
    q3: quantile(rates, 0.75),
    min: Math.min(...rates),
    max: Math.max(...rates),
    uncertainty: medianUncertainty(rates),
    threadsUsed: Math.max(...c.reps.map((r) => r.threads)),
    cpuPerWall: c.reps.every((r) => r.cpuSeconds >= 0) ? median(c.reps.map((r) => r.cpuSeconds / r.seconds)) : undefined,
  });
}

/** What the figure's config asks for, counted as bench/time_to_figure.py counts it. */
function figurePlan(c: DenseInstabilityConfig, trainCount: number) {
  const S = c.initSeeds.length;
  const T = c.train.steps;
  const copies = S * c.ks.length * c.pairs * 2;
  const pathPoints = S * c.ks.length * c.pairs * c.alphas;
  const evalTrain = c.trainEvalSubset == null ? trainCount : Math.min(c.trainEvalSubset, trainCount);
  return {
    runs: S + copies,
    steps: S * T + S * c.pairs * 2 * c.ks.reduce((s, k) => s + (T - k), 0),
    testEvaluations: S + copies,
    pathPoints,
    evaluatedExamples: pathPoints * (10000 + evalTrain),
  };
}

main(async () => {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean" },
      profile: { type: "boolean" },
      rows: { type: "string" },
      backends: { type: "string" },
      "min-reps": { type: "string" },
      "max-reps": { type: "string" },
      verbose: { type: "boolean" },
    },
  });
  const quick = Boolean(values.quick);
  const sizes: Sizes = quick ? QUICK : FULL;
  const verbose = Boolean(values.verbose);
  const log = (s: string) => process.stderr.write(`${s}\n`);

  let backends: BackendName[] = ["wasm", ...(loadBlas() ? (["wasm-blas"] as const) : []), ...(nativePackage() ? (["tensorflow"] as const) : [])];
  if (values.backends) {
    const wanted = values.backends.split(",");
    for (const b of wanted) if (!(BACKENDS as readonly string[]).includes(b)) throw new UserError(`--backends: unknown backend "${b}"; backends: ${BACKENDS.join(", ")}`);
    if (wanted.includes("tensorflow") && !nativePackage()) throw new UserError("--backends tensorflow: tfjs-node is not installed; run `npm run native`.");
    if (wanted.includes("wasm-blas") && !loadBlas()) throw new UserError(`--backends wasm-blas: ${blasUnavailableReason()}.`);
    backends = wanted as BackendName[];
  }
  const python = findPython();
  if (!python) log("PyTorch reference unavailable (no python3 imports torch; `apt-get install python3-torch libopenblas0-pthread`): ratios are left empty.");
  const mnistDir = process.env.MNIST_DIR ?? mnistDataDir();
  // The decoded CIFAR-10 that PyTorch's conv-aggregate runs read: found (or made) before its first child starts.
  let cifarDir: string | null = null;

  // Children: one per column, started on first use and kept for the whole benchmark.
  const children = new Map<string, Child>();
  const child = (c: Column): Child => {
    const key = colName(c);
    let ch = children.get(key);
    if (!ch) {
      ch =
        c.side === "ours"
          ? new Child(key, TSX, [join("bench", "ours.ts")], columnEnv(c), verbose)
          : new Child(key, python!, [join("bench", "reference.py"), "--threads", String(c.threads === "1" ? 1 : CORES), "--mnist-dir", mnistDir, ...(cifarDir ? ["--cifar-dir", cifarDir] : [])], columnEnv(c), verbose);
      children.set(key, ch);
    }
    return ch;
  };

  try {
    if (values.profile) return await profileAll(backends, python, child, sizes, quick, log, values.rows?.split(","));

    // Rows whose model (or data set) is not here are left out, with the reason (printed under the targets).
    const skipped = new Map<string, string>();
    const cifarStepRow = (w: keyof typeof CIFAR_STEPS, target: number): RowDef[] => {
      const { model, batch } = CIFAR_STEPS[w];
      if (!MODEL_NAMES.includes(model)) {
        skipped.set(w, `no "${model}" in lib/models/registry.ts yet; the row appears when it exists`);
        return [];
      }
      const label = `${STEP_LABELS[w]} train step, batch ${batch ?? sizes.vggBatch}, SGD momentum (32x32x3)`;
      return [{ id: w, label, unit: "steps/s", ours: w, ref: w, target, targetThreads: "1", reps: [5, 10] }];
    };
    const convMissing = convAggregateMissing();
    if (convMissing) skipped.set("conv-aggregate", convMissing);
    const ROWS: RowDef[] = [
      { id: "lenet-step", label: "LeNet-300-100 train step, batch 60, Adam", unit: "steps/s", ours: "lenet-step", ref: "lenet-step", target: 0.8, targetThreads: "1", reps: [5, 15] },
      { id: "path-eval", label: `LeNet-300-100 path evaluation, ${sizes.pathPoints} points x 10k test`, unit: "points/s", ours: "path-eval", ref: "path-eval", target: 1.0, targetThreads: "1", reps: [5, 15] },
      { id: "conv2-step", label: "Conv-2 train step, batch 60, SGD momentum", unit: "steps/s", ours: "conv2-step", ref: "conv2-step", target: 0.8, targetThreads: "1", reps: [5, 15] },
      ...cifarStepRow("resnet20-step", 0.8),
      // Narrow nets: per-op overhead, not arithmetic, sets their pace.
      ...cifarStepRow("resnet20-4-step", 1.0),
      ...cifarStepRow("resnet20-8-step", 1.0),
      ...cifarStepRow("vgg16-step", 0.8),
      {
        id: "aggregate",
        label: `LeNet-300-100, ${sizes.aggregateRuns} concurrent ${sizes.aggregateSteps}-step runs (pool) vs PyTorch's single run`,
        unit: "steps/s",
        ours: "aggregate",
        ref: "lenet-run",
        target: 1.5,
        targetThreads: "1",
        reps: [3, 6],
      },
      ...(convMissing
        ? []
        : [
            {
              id: "conv-aggregate",
              label: `ResNet-20-4 on CIFAR-10, batch 128, SGD momentum, ${sizes.aggregateRuns} concurrent ${sizes.convAggregateSteps}-step runs (pool) vs PyTorch's single run`,
              unit: "steps/s",
              ours: "conv-aggregate",
              ref: "resnet20-4-run",
              target: 1.5,
              targetThreads: "1",
              reps: [3, 6],
            } as RowDef,
          ]),
      { id: "time-to-figure", label: `${FIGURE}, quick preset, whole process`, unit: "s", ours: "figure", ref: "figure", target: 1.0, targetThreads: "all", reps: [3, 6] },
    ];
    const only = values.rows?.split(",");
    if (only) {
      for (const r of only) {
        if (skipped.has(r)) throw new UserError(`--rows: ${r} cannot run here: ${skipped.get(r)}`);
        if (!ROWS.some((x) => x.id === r)) throw new UserError(`--rows: unknown row "${r}"; rows: ${ROWS.map((x) => x.id).join(", ")}`);
      }
    }
    const rows = ROWS.filter((r) => !only || only.includes(r.id));
    // Decoded before any timing (the workers would otherwise decode it in a timed repetition), and read by PyTorch.
    if (rows.some((r) => r.id === "conv-aggregate")) cifarDir = cifarRecordsDir(log);
    const repsOf = (r: RowDef): [number, number] => {
      if (quick) return r.reps[0] <= 3 ? [1, 1] : [2, 2];
      const lo = values["min-reps"] ? Number(values["min-reps"]) : r.reps[0];
      const hi = values["max-reps"] ? Number(values["max-reps"]) : Math.max(r.reps[1], lo);
      return [lo, hi];
    };

    // The time-to-figure config: the figure's quick preset; --quick shrinks it further (a smoke check).
    const preset = getFigure(FIGURE).presets.quick as DenseInstabilityConfig;
    const figureConfig: DenseInstabilityConfig = quick ? { ...preset, train: { ...preset.train, steps: 40 }, ks: [0, 20], alphas: 3 } : preset;
    const plan = figurePlan(figureConfig, figureConfig.data.trainSubset ?? 60000);

    const started = new Date();
    const load0 = loadavg()[0];
    log(`lottery-lab bench${quick ? " --quick (smoke sizes: not a result)" : ""}: backends ${backends.join(", ")}; PyTorch ${python ? `via ${python}` : "absent"}; ${CORES} cores (${cpus()[0]?.model}); load average ${load0.toFixed(2)}`);

    const columnsFor = (r: RowDef): Column[] => {
      const ours = backends.flatMap((b) => (["1", "all"] as Threads[]).map((t) => ({ side: "ours" as const, backend: b, threads: t })));
      const ref = python ? (["1", "all"] as Threads[]).map((t) => ({ side: "ref" as const, backend: null, threads: t })) : [];
      // Interleaved: ours, PyTorch, ours, PyTorch, ...
      const out: Column[] = [];
      for (let i = 0; i < Math.max(ours.length, ref.length); i++) {
        if (ours[i]) out.push(ours[i]);
        if (ref[i]) out.push(ref[i]);
      }
      return out;
    };
    const info: Record<string, unknown> = {};
    const results: { row: RowDef; cells: Cell[] }[] = [];

    for (const row of rows) {
      const [minReps, maxReps] = repsOf(row);
      log(`\n${row.label} (${row.unit}): ${minReps}-${maxReps} interleaved repetitions`);
      const cells: Cell[] = columnsFor(row).map((column) => ({ column, name: colName(column), reps: [] }));
      // wasm in Node is single-threaded (tfjs-backend-wasm turns threads off under Node), and wasm-blas pins
      // OpenBLAS to one thread, so for one run their "all cores" cell is the 1-thread cell; only the figure
      // (a pool of workers) differs.
      for (const c of cells) {
        if ((c.column.backend === "wasm" || c.column.backend === "wasm-blas") && c.column.threads === "all" && row.id !== "time-to-figure") c.sameAs = colName({ ...c.column, threads: "1" });
      }
      const live = () => cells.filter((c) => !c.error && !c.sameAs);
      if (row.ours !== "figure") {
        for (const c of live()) {
          const workload = c.column.side === "ours" ? row.ours : row.ref;
          try {
            const ch = child(c.column);
            if (!info[c.name]) info[c.name] = await ch.request({ op: "info" });
            await ch.request({ op: "prepare", workload, sizes });
          } catch (e) {
            c.error = (e as Error).message;
            log(`  ${c.name}: ${c.error}`);
          }
        }
      }
      // The conv-aggregate row's workers hold GBs each (CIFAR-10 twice, as host arrays and tfjs's copy, and a
      // ResNet's activations) and the pool keeps them for a minute after a repetition: our child is restarted for each repetition (untimed, as the
      // workers start anew in every repetition anyway), so that one column's workers are gone when the next starts.
      const restarted = (c: Cell) => row.id === "conv-aggregate" && c.column.side === "ours";
      for (let rep = 0; rep < maxReps; rep++) {
        for (const c of live()) {
          try {
            if (restarted(c) && !children.has(c.name)) await child(c.column).request({ op: "prepare", workload: row.ours, sizes });
            c.reps.push(row.ours === "figure" ? figureRep(c.column, figureConfig, plan, python, mnistDir) : await child(c.column).request<Timing>({ op: "run", workload: c.column.side === "ours" ? row.ours : row.ref }));
          } catch (e) {
            c.error = (e as Error).message;
            log(`  ${c.name}: ${c.error}`);
          } finally {
            if (restarted(c)) {
              await children.get(c.name)?.stop();
              children.delete(c.name);
            }
          }
        }
        live().forEach(summarise);
        log(`  rep ${rep + 1}: ${live().map((c) => `${c.name} ${fmt(rateOf(c.reps[c.reps.length - 1]), row.unit)}`).join("; ")}`);
        if (rep + 1 >= minReps && live().every((c) => (c.uncertainty ?? Infinity) <= 0.05)) break;
      }
      for (const c of cells) if (c.sameAs) Object.assign(c, { ...cells.find((d) => d.name === c.sameAs), column: c.column, name: c.name, sameAs: c.sameAs });
      results.push({ row, cells });
    }
    for (const ch of children.values()) ch.close();
    children.clear();

    // Tables.
    const out: string[] = [];
    const p = (s = "") => out.push(s);
    p();
    p(`lottery-lab bench ${started.toISOString()}${quick ? "  --quick: smoke sizes, NOT a result" : ""}`);
    p(`machine: ${cpus()[0]?.model}, ${CORES} cores; load average ${load0.toFixed(2)} at the start, ${loadavg()[0].toFixed(2)} at the end`);
    if (Math.max(load0, loadavg()[0]) > CORES / 2) {
      p(`WARNING: the machine was busy (load average above ${CORES / 2} on ${CORES} cores): the all-cores columns, PyTorch's above all (OpenMP threads spin for cores they do not get), are not meaningful; run again on a quiet machine`);
    }
    p(`medians of interleaved repetitions; spread: interquartile range and min-max; thr: threads that did >= 25 % of the busiest thread's work (from /proc), cpu: CPU time / wall time`);
    p();
    p(`${"row / column".padEnd(44)} ${"median".padStart(10)} ${"IQR".padStart(17)} ${"min-max".padStart(17)} ${"n".padStart(3)} ${"thr".padStart(4)} ${"cpu".padStart(5)}`);
    for (const { row, cells } of results) {
      p(`${row.label} [${row.unit}]`);
      for (const c of cells) {
        const name = `  ${c.name}`.padEnd(44);
        if (c.error) p(`${name} error: ${c.error.slice(0, 120)}`);
        else if (c.median === undefined) p(`${name} -`);
        else {
          const rng = (a: number, b: number) => `${fmt(a, row.unit)}-${fmt(b, row.unit)}`.padStart(17);
          const lo = row.unit === "s" ? [c.q3!, c.q1!] : [c.q1!, c.q3!];
          const mm = row.unit === "s" ? [c.max!, c.min!] : [c.min!, c.max!];
          const thr = row.ours === "figure" ? "-" : String(c.threadsUsed);
          const cpu = c.cpuPerWall === undefined || row.ours === "figure" ? "-" : c.cpuPerWall.toFixed(2);
          p(`${name} ${fmt(c.median, row.unit).padStart(10)} ${rng(lo[0], lo[1])} ${rng(mm[0], mm[1])} ${String(c.reps.length).padStart(3)} ${thr.padStart(4)} ${cpu.padStart(5)}${c.sameAs ? "  (= 1 thread: wasm is single-threaded in Node)" : ""}`);
        }
      }
    }

    // Are the labels true? A 1-thread cell of one run must have had one busy thread (the aggregate: one per run).
    p();
    const violations: string[] = [];
    for (const { row, cells } of results) {
      if (row.ours === "figure") continue;
      const allowed = isAggregate(row) ? sizes.aggregateRuns + 2 : 1; // the pool's workers, plus the main thread and start-up
      for (const c of cells) if (c.column.threads === "1" && !c.sameAs && (c.threadsUsed ?? 0) > allowed) violations.push(`${row.id} / ${c.name}: ${c.threadsUsed} busy threads`);
    }
    p(violations.length ? `thread check: NOT one thread where labelled so: ${violations.join("; ")}` : "thread check: every 1-thread cell ran its work on one thread (the aggregate rows: one per run)");
    const tfCells = results.flatMap(({ row, cells }) => (row.ours === "figure" ? [] : cells.filter((c) => c.column.backend === "tensorflow" && c.threadsUsed !== undefined && !isAggregate(row))));
    if (tfCells.length) {
      const most = (t: Threads) => Math.max(0, ...tfCells.filter((c) => c.column.threads === t).map((c) => c.threadsUsed!));
      p(`tfjs-node threads: TF_NUM_INTRAOP_THREADS = TF_NUM_INTEROP_THREADS = 1 gave at most ${most("1")} busy thread(s) per cell, = ${CORES} gave up to ${most("all")} (main thread + intra-op pool): ${most("1") <= 1 ? "the setting takes effect" : "the setting did NOT take effect"}`);
    }
    p(`wasm: tfjs-backend-wasm disables its threads under Node (WASM_HAS_MULTITHREAD_SUPPORT is false there), so a wasm run is one thread whatever is set; its "all cores" cells repeat the 1-thread ones except in the time-to-figure row (a pool of ${CORES} workers)`);

    // Ratios: ours / PyTorch (speed; for seconds, PyTorch's time / ours).
    const cellOf = (cells: Cell[], side: Side, threads: Threads, backend: BackendName | null = null) =>
      cells.find((c) => c.column.side === side && c.column.threads === threads && c.column.backend === backend && c.median !== undefined);
    const ratio = (a?: Cell, b?: Cell) => (a && b ? a.median! / b.median! : null);
    const ratios = results.map(({ row, cells }) => ({
      row: row.id,
      perBackend: backends.map((b) => ({
        backend: b,
        oneThread: ratio(cellOf(cells, "ours", "1", b), cellOf(cells, "ref", "1")),
        allCores: ratio(cellOf(cells, "ours", "all", b), cellOf(cells, "ref", "all")),
        oursAllVsRefOne: ratio(cellOf(cells, "ours", "all", b), cellOf(cells, "ref", "1")),
      })),
    }));
    p();
    p(`ratios, ours / PyTorch (> 1: ours is faster)`);
    p(`${"row".padEnd(16)} ${"backend".padEnd(11)} ${"1 thr / 1 thr".padStart(14)} ${"all / all".padStart(10)} ${"all / 1 thr".padStart(12)}`);
    const x = (v: number | null) => (v === null ? "-" : `${v.toFixed(2)}x`);
    for (const r of ratios) for (const b of r.perBackend) p(`${r.row.padEnd(16)} ${b.backend.padEnd(11)} ${x(b.oneThread).padStart(14)} ${x(b.allCores).padStart(10)} ${x(b.oursAllVsRefOne).padStart(12)}`);

    // Targets: best backend per row, against PyTorch on one thread.
    const targets = results.map(({ row, cells }) => {
      const candidates = backends
        .map((b) => ({ backend: b, r: ratio(cellOf(cells, "ours", row.targetThreads, b), cellOf(cells, "ref", "1")) }))
        .filter((c): c is { backend: BackendName; r: number } => c.r !== null);
      const best = candidates.sort((a, b) => b.r - a.r)[0];
      return { row: row.id, target: row.target, ours: row.targetThreads === "1" ? (isAggregate(row) ? `${sizes.aggregateRuns} runs, 1 thread each` : "1 thread") : `all cores (${CORES} workers)`, backend: best?.backend ?? null, ratio: best?.r ?? null, met: best ? best.r >= row.target : null };
    });
    p();
    p(`targets: best backend per row, against PyTorch on one thread${quick ? "  (--quick: sizes too small to judge)" : ""}`);
    p(`${"row".padEnd(16)} ${"target".padStart(7)} ${"ours".padEnd(26)} ${"best backend".padEnd(13)} ${"ratio".padStart(7)}  verdict`);
    for (const t of targets) p(`${t.row.padEnd(16)} ${`>=${t.target.toFixed(1)}x`.padStart(7)} ${t.ours.padEnd(26)} ${(t.backend ?? "-").padEnd(13)} ${x(t.ratio).padStart(7)}  ${t.met === null ? "no data" : t.met ? "met" : "MISSED"}`);
    for (const [id, why] of skipped) if (!only || only.includes(id)) p(`(${id}: left out: ${why})`);
    if (results.some((r) => r.row.id === "time-to-figure")) {
      p(`time-to-figure: ${plan.runs} runs, ${plan.steps} steps, ${plan.testEvaluations} test evaluations, ${plan.pathPoints} path points (${plan.evaluatedExamples} examples) on each side; every repetition checked these counts (the library's runs in its cache, the PyTorch script's own counts)`);
    }
    const missed = targets.filter((t) => t.met === false).map((t) => t.row);
    if (missed.length && !quick) p(`missed: ${missed.join(", ")}: \`npm run bench -- --profile\` shows what bounds each step.`);
    const report = out.join("\n");
    console.log(report);

    const dir = join(ROOT, "bench", "results");
    mkdirSync(dir, { recursive: true });
    const day = started.toISOString().slice(0, 10);
    let file = join(dir, `${day}${quick ? "-quick" : ""}.json`);
    for (let i = 2; existsSync(file); i++) file = join(dir, `${day}${quick ? "-quick" : ""}-${i}.json`);
    writeFileSync(
      file,
      `${JSON.stringify(
        {
          date: started.toISOString(),
          quick,
          machine: { cpu: cpus()[0]?.model, cores: CORES, loadAverage: { start: load0, end: loadavg()[0] } },
          node: process.version,
          python,
          children: info,
          sizes,
          figureConfig,
          figurePlan: plan,
          rows: results.map(({ row, cells }) => ({ ...row, cells: cells.map((c) => ({ ...c, column: undefined, side: c.column.side, backend: c.column.backend, threads: c.column.threads })) })),
          ratios,
          targets,
        },
        null,
        1,
      )}\n`,
    );
    console.log(`wrote ${file}`);
  } finally {
    for (const ch of children.values()) ch.close();
  }
});

/** The rows of concurrent runs in the worker pool (one thread per run on the 1-thread columns). */
const isAggregate = (row: RowDef) => row.id === "aggregate" || row.id === "conv-aggregate";

function fmt(v: number, unit: string): string {
  if (unit === "s") return `${(1 / v).toFixed(1)}`;
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** One repetition of the time-to-figure row: the whole process, from an empty results folder. */
function figureRep(c: Column, config: DenseInstabilityConfig, plan: ReturnType<typeof figurePlan>, python: string | null, mnistDir: string): Timing {
  const dir = mkdtempSync(join(tmpdir(), "lottery-bench-figure-"));
  try {
    const env = { ...columnEnv(c), LOTTERY_RESULTS: dir };
    const t = performance.now();
    const r =
      c.side === "ours"
        ? spawnSync(TSX, [join("bench", "figure-run.ts"), FIGURE, "quick", JSON.stringify(config)], { cwd: ROOT, env, encoding: "utf8" })
        : spawnSync(python!, [join("bench", "time_to_figure.py"), "--config", JSON.stringify(config), "--mnist-dir", mnistDir, "--threads", String(c.threads === "1" ? 1 : CORES), "--out", dir], { cwd: ROOT, env, encoding: "utf8" });
    const seconds = (performance.now() - t) / 1000;
    if (r.status !== 0) throw new Error(`${c.side === "ours" ? "figure-run.ts" : "time_to_figure.py"} failed: ${(r.stderr || r.stdout).trim().split("\n").slice(-3).join(" | ")}`);
    const last = JSON.parse(r.stdout.trim().split("\n").pop()!);
    if (c.side === "ours") {
      if (last.runs !== plan.runs) throw new Error(`the library trained ${last.runs} runs, the plan has ${plan.runs}`);
      if (last.backend?.name !== c.backend) throw new Error(`the figure ran on ${last.backend?.name}, not ${c.backend}`);
    } else {
      for (const [k, v] of Object.entries(plan)) if (last.counts[k] !== v) throw new Error(`time_to_figure.py computed ${k} = ${last.counts[k]}, the library's plan ${v}`);
    }
    return { units: 1, seconds, cpuSeconds: -1, threads: 0 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** --profile: a step's time per phase and kernel, for every backend, and PyTorch's phases beside them. */
async function profileAll(backends: BackendName[], python: string | null, child: (c: Column) => Child, sizes: Sizes, quick: boolean, log: (s: string) => void, only?: string[]): Promise<void> {
  const cifarSteps = (Object.keys(CIFAR_STEPS) as (keyof typeof CIFAR_STEPS)[]).filter((w) => MODEL_NAMES.includes(CIFAR_STEPS[w].model));
  const all: Workload[] = ["lenet-step", "path-eval", "conv2-step", ...cifarSteps];
  for (const r of only ?? []) if (!all.includes(r as Workload)) throw new UserError(`--profile --rows: "${r}" has no step to profile; choose from ${all.join(", ")}`);
  const workloads = all.filter((w) => !only || only.includes(w));
  const steps = (w: Workload) => (quick ? 2 : w === "lenet-step" ? 50 : w === "path-eval" ? 5 : w === "resnet20-step" ? 3 : w === "vgg16-step" ? 2 : isCifarStep(w) ? 10 : 4);
  const profiles: Record<string, Record<string, Profile | { error: string }>> = {};
  const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
  for (const w of workloads) {
    profiles[w] = {};
    console.log(`\n${w}: where one ${w === "path-eval" ? "point (10k test examples)" : "step"} goes, one thread`);
    const columns: Column[] = [...backends.map((b) => ({ side: "ours" as const, backend: b, threads: "1" as Threads })), ...(python ? [{ side: "ref" as const, backend: null, threads: "1" as Threads }] : [])];
    for (const c of columns) {
      const name = colName(c);
      log(`  profiling ${w} on ${name}`);
      try {
        const r = await child(c).request<{ profile: Profile }>({ op: "profile", workload: w, sizes, steps: steps(w) });
        const pr = r.profile;
        profiles[w][name] = pr;
        const phases = Object.entries(pr.phases).map(([k, v]) => `${k} ${ms(v)}`).join(", ");
        console.log(`  ${name}: ${ms(pr.msPerUnit)} ms per ${pr.unit} (${phases} ms)`);
        if (c.side === "ours") {
          console.log(`    kernels ${ms(pr.kernelMsPerUnit)} ms in ${pr.kernelsPerUnit.toFixed(0)} calls; per-op overhead (the rest) ${ms(pr.overheadMsPerUnit)} ms = ${((100 * pr.overheadMsPerUnit) / pr.msPerUnit).toFixed(0)} %`);
        }
        // PyTorch's side: its profiler's operators by self time (a backward operator such as
        // convolution_backward computes both gradients of a layer, where ours lists one kernel per gradient).
        if (pr.top?.length) console.log(`    top ${c.side === "ours" ? "kernels" : "operators (self time)"}: ${pr.top.map((k) => `${k.name} ${ms(k.msPerUnit)} ms (${(100 * k.share).toFixed(0)} %, ${k.callsPerUnit.toFixed(0)}x)`).join("; ")}`);
      } catch (e) {
        profiles[w][name] = { error: (e as Error).message };
        console.log(`  ${name}: error: ${(e as Error).message}`);
      }
    }
  }
  const dir = join(ROOT, "bench", "results");
  mkdirSync(dir, { recursive: true });
  // Never over an earlier profile of the same day (as the timing results): -2, -3, ...
  const stem = `${new Date().toISOString().slice(0, 10)}${quick ? "-quick" : ""}-profile`;
  let file = join(dir, `${stem}.json`);
  for (let i = 2; existsSync(file); i++) file = join(dir, `${stem}-${i}.json`);
  writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), cores: CORES, profiles }, null, 1)}\n`);
  console.log(`wrote ${file}`);
}
