import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(__dirname, "..", "..");

/** Runs `npm run figure -- <args>` as a user would (in a fresh results folder unless env says otherwise). */
export function figure(args: string[], env: Record<string, string> = {}) {
  return script("figure", args, env);
}

/** Runs the script bin/<name>.ts with <args>, as `npm run` would (in a fresh results folder unless env says otherwise). */
export function script(name: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [join(root, "node_modules/tsx/dist/cli.mjs"), join(root, `bin/${name}.ts`), ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, LOTTERY_RESULTS: mkdtempSync(join(tmpdir(), "cli-")), ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.trim() };
}
