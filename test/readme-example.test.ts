import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { freshResults } from "./support/env";

const root = resolve(__dirname, "..");

describe("the README's library example", () => {
  it("is examples/library.ts verbatim", () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const block = /## Library[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBe(readFileSync(join(root, "examples/library.ts"), "utf8"));
  });

  it("runs as a script, as shown, and prints the ticket's accuracy and instability", () => {
    const r = spawnSync(process.execPath, [join(root, "node_modules/tsx/dist/cli.mjs"), join(root, "examples/library.ts")], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, LOTTERY_RESULTS: freshResults() },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^IMP ticket at 12\.5 % density, rewound to k = 0: test accuracy \d+\.\d\d %$/m);
    expect(r.stdout).toMatch(/^instability \(.*\): -?\d+\.\d\d pp$/m);
  }, 300_000);
});
