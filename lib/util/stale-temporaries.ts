import { readdirSync, rmSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { pidAlive } from "./process-alive";

/** Temporaries and lock leftovers: `<file>.tmp-[<host>-]<pid>-<random>`, `<lock>.<host>-<pid>-<thread>.owner`, `<lock>.stale-<pid>-<thread>`. */
const TEMPORARY = /\.(?:tmp-(?:(.+)-)?(\d+)-[a-z0-9]+|(.+)-(\d+)-\d+\.owner|stale-(\d+)-\d+)$/;

/** Leftovers of another host cannot be checked for a live writer; past this age they are abandoned. */
const FOREIGN_MAX_AGE_MS = 24 * 3600_000;


const swept = new Set<string>();

/** Removes (once per folder and process) temporary files whose writer is no longer running. */
export function sweepStaleTemporaries(dir: string): void {
  if (swept.has(dir)) return;
  swept.add(dir);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const here = hostname();
  for (const name of names) {
    const m = TEMPORARY.exec(name);
    if (!m) continue;
    const host = m[1] ?? m[3] ?? here;
    const pid = Number(m[2] ?? m[4] ?? m[5]);
    const path = join(dir, name);
    try {
      const abandoned = host === here ? pid !== process.pid && !pidAlive(pid) : Date.now() - statSync(path).mtimeMs > FOREIGN_MAX_AGE_MS;
      if (abandoned) rmSync(path, { force: true });
    } catch {
      /* removed meanwhile */
    }
  }
}
