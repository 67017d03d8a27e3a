import { parseArgs } from "node:util";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../lib/cli";
import { writeJsonAtomic } from "../lib/util/atomic";
import { UserError } from "../lib/util/errors";
import { REPO_ROOT } from "../lib/store/paths";

const USAGE = `usage: npm run fingerprints -- --out <file.json> [--only id,id] [--skip-quick]

What a refactoring must leave unchanged, as hashes: every figure's quick data.json without its wall-clock
fields (computed afresh on wasm,
the backend that gives the same bits on every machine, in an empty results folder) and the body of every
committed cpu report re-rendered from its data.json. Run it before and after a change that should not
change what is computed, and compare the two files.`;

const sha = (text: string | Buffer) => createHash("sha256").update(text).digest("hex");

/** data.json without its wall-clock fields (seconds, secondsPerStep, wallSeconds, ...): what must not change. */
function withoutTimings(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTimings);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => !/seconds/i.test(k)).map(([k, v]) => [k, withoutTimings(v)]));
}

main(async () => {
  const { values } = parseArgs({ options: { out: { type: "string" }, only: { type: "string" }, "skip-quick": { type: "boolean" }, help: { type: "boolean", short: "h" } } });
  if (values.help) return console.log(USAGE);
  if (!values.out) throw new UserError("--out <file.json> is required: where to write the fingerprints.");
  // Before any library module reads them: a fresh results folder and the portable backend.
  const scratch = mkdtempSync(join(tmpdir(), "fingerprints-"));
  process.env.LOTTERY_RESULTS = scratch;
  process.env.LOTTERY_BACKEND = "wasm";
  const { FIGURES } = await import("../lib/figures/registry");
  const { renderFigure, runFigure } = await import("../lib/figures/run-figure");
  const ids = values.only ? values.only.split(",") : FIGURES.map((f) => f.id);
  const quick: Record<string, string> = {};
  const cpuReports: Record<string, string> = {};
  // The scratch folder holds every quick figure's runs (about 2 GB): removed when the command exits.
  process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));
  for (const id of ids) {
    const committed = join(REPO_ROOT, "results", "figures", id, "cpu");
    if (existsSync(join(committed, "data.json"))) {
      const copy = join(scratch, "committed", id);
      cpSync(committed, copy, { recursive: true });
      cpuReports[id] = sha(renderFigure(id, "cpu", { outDir: copy }).bodyHtml);
    }
    if (values["skip-quick"]) continue;
    const outDir = join(scratch, "quick", id);
    await runFigure(id, "quick", { outDir });
    quick[id] = sha(JSON.stringify(withoutTimings(JSON.parse(readFileSync(join(outDir, "data.json"), "utf8")))));
    console.log(`${id}: quick ${quick[id].slice(0, 16)}${cpuReports[id] ? `, cpu report ${cpuReports[id].slice(0, 16)}` : ""}`);
  }
  writeJsonAtomic(values.out, { quick, cpuReports });
  console.log(`wrote ${values.out}`);
});
