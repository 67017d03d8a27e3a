/**
 * `npm run native`'s last step: builds the project's TensorFlow ops (lib/kernels/tensorflow-ops.ts) against
 * the libtensorflow in the folder given (tfjs-node's deps/). Usage: tsx bin/tensorflow-ops.ts <deps folder>
 */
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { buildTensorflowOps, tensorflowOpsPath } from "../lib/kernels/tensorflow-ops";

const deps = process.argv[2];
if (!deps || !existsSync(join(deps, "lib"))) {
  console.error(`error: give tfjs-node's deps folder (with lib/libtensorflow.so), got "${deps ?? ""}"`);
  process.exit(2);
}
const built = existsSync(tensorflowOpsPath());
try {
  const path = buildTensorflowOps(deps);
  console.log(`native backend: the project's TensorFlow ops ${built ? "already built" : "built"} (${relative(process.cwd(), path)})`);
} catch {
  console.error("error: building the project's TensorFlow ops (lib/kernels/native/) failed; it needs g++ (see above)");
  process.exit(2);
}
