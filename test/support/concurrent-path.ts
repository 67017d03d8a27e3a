// One of two processes racing for the same run and path evaluation (see test/faults-concurrency.test.ts):
// it waits for a "go" file so that both start together, then asks for the path.
import { existsSync, writeFileSync } from "node:fs";
import { linearPath } from "../../lib/lmc/path";
import { copies } from "../../lib/lmc/instability";
import { tinyRun } from "./tiny";

async function main() {
  const [go, ready] = process.argv.slice(2);
  writeFileSync(ready, "");
  while (!existsSync(go)) await new Promise((r) => setTimeout(r, 20));
  const [a, b] = copies(tinyRun({ initSeed: 9 }, { steps: 200 }), [1, 2]);
  const path = await linearPath(a, b, { alphas: [0, 0.25, 0.5, 0.75, 1], trainEvalSubset: 600 });
  process.stdout.write(JSON.stringify(path.test.errors) + "\n");
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`${e.stack}\n`);
    process.exit(1);
  },
);
