import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { isTracked } from "../report/provenance";
import { UserError } from "../util/errors";

const short = (commit: string | null | undefined) => (commit ? commit.slice(0, 7) : "unknown");

/** The commit that last wrote a results folder: the one that rendered its report, else the one that computed it. */
export function writtenAt(outDir: string): string | null {
  try {
    const p = JSON.parse(readFileSync(join(outDir, "provenance.json"), "utf8"));
    return p.report?.gitCommit ?? p.gitCommit ?? null;
  } catch {
    return null;
  }
}

/**
 * Committed results are the reproduction of record: a run must not replace them silently. Refuses to
 * write into a folder whose provenance.json is tracked by git and was written at another commit than
 * `head`, unless `overwrite`.
 */
export function guardOutput(outDir: string, head: string | null, overwrite: boolean): void {
  const prov = join(outDir, "provenance.json");
  if (overwrite || !existsSync(prov) || !isTracked(prov)) return;
  const at = writtenAt(outDir);
  if (at !== null && at === head) return;
  throw new UserError(
    `${relative(process.cwd(), outDir) || "."}/ holds committed results written at commit ${short(at)}, not at the current ${short(head)}; ` +
      "refusing to overwrite them. Pass --overwrite (CLI) or { overwrite: true } (runFigure) to replace them, or set LOTTERY_RESULTS to write elsewhere.",
  );
}
