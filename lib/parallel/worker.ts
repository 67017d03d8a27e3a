import { parentPort } from "node:worker_threads";
import { perform, Task } from "./tasks";
import { initBackend } from "../backend";
import { setProgressSink } from "../util/progress";
import { UserError } from "../util/errors";

/** A pool worker: its own tfjs backend, performing tasks one at a time and reporting progress lines. */
const port = parentPort!;
setProgressSink((line, final) => port.postMessage({ type: "progress", line, final }));

port.on("message", async (msg: { id: number; task: Task }) => {
  try {
    await initBackend();
    const result = await perform(msg.task);
    port.postMessage({ type: "done", id: msg.id, result });
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    port.postMessage({ type: "failed", id: msg.id, message: err.message, user: err instanceof UserError, stack: err.stack });
  }
});
