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

  it("runs as a script, as shown, and prints the ticket's accuracy and instability; a rerun says the ticket was cached", () => {
    const results = freshResults();
    const run = () =>
      spawnSync(process.execPath, [join(root, "node_modules/tsx/dist/cli.mjs"), join(root, "examples/library.ts")], {
        cwd: root,
        encoding: "utf8",
        env: { ...process.env, LOTTERY_RESULTS: results },
      });
    const r = run();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^IMP ticket at 12\.5 % density, rewound to k = 0: test accuracy \d+\.\d\d %$/m);
    expect(r.stdout).toMatch(/^instability \(.*\): -?\d+\.\d\d pp$/m);
    expect(r.stdout).not.toMatch(/cached/);
    // Each run trains once: the dense run saves its step-0 state for rewinding as it trains, before the first mask.
    expect(r.stderr.match(/^run [0-9a-f]{16} done 1000 steps/gm)).toHaveLength(4);
    expect(r.stderr).not.toMatch(/already at step/);
    expect(r.stderr).not.toMatch(/done 0 steps|NaN/);

    const again = run();
    expect(again.status, again.stderr).toBe(0);
    const [cached, ...rest] = again.stdout.trim().split("\n");
    expect(cached).toMatch(/^cached: 1000 steps, test loss \d\.\d{4}, trained in \d+ s on \S+$/);
    expect(rest).toEqual(r.stdout.trim().split("\n"));
    expect(again.stderr).not.toMatch(/done 0 steps|NaN/);
  }, 300_000);
});
