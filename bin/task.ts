import { readFileSync } from "node:fs";
import { main } from "../lib/cli";
import { perform, Task } from "../lib/parallel/tasks";
import { initBackend } from "../lib/backend";
import { UserError } from "../lib/util/errors";

/**
 * One task of a wave file, run as one Slurm array element: `tsx bin/task.ts TASKS.json INDEX`. The result
 * lands in the shared run cache; the exit code says whether it did.
 */
main(async () => {
  const [file, index] = process.argv.slice(2);
  if (!file || index === undefined) throw new UserError("usage: tsx bin/task.ts TASKS.json INDEX");
  const tasks: Task[] = JSON.parse(readFileSync(file, "utf8"));
  const i = Number(index);
  if (!Number.isInteger(i) || i < 0 || i >= tasks.length) throw new UserError(`task index ${index} is not in 0..${tasks.length - 1} of ${file}.`);
  await initBackend();
  const started = Date.now();
  await perform(tasks[i]);
  console.error(`task ${i} done in ${((Date.now() - started) / 1000).toFixed(1)} s on ${process.env.SLURMD_NODENAME ?? "this node"}`);
});
