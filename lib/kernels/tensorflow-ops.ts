import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { REPO_ROOT } from "../store/paths";

/**
 * The project's own TensorFlow ops (kernels/native/lottery_ops.cc), a small C++ library against TensorFlow's C API
 * that `npm run native` builds beside tfjs-node and the tensorflow backend loads into the same TensorFlow.
 * Most of its ops give the bits of the tensor forms they replace; its batch norm does not, so whether it
 * trains is part of a run's identity (tensorflow-settings.ts, projectBatchNorm). The library is named by the
 * hash of its sources: an edited source is rebuilt, and a stale build is never loaded.
 */

const SOURCE_DIR = join(REPO_ROOT, "lib", "kernels", "native");
const SOURCES = ["tensorflow_c_api.h", "lottery_ops.cc"];

let opsPath: string | undefined;

/** Where the library built from today's sources lives (.native/, ignored by git). */
export function tensorflowOpsPath(): string {
  if (opsPath) return opsPath;
  const hash = createHash("sha256");
  for (const name of SOURCES) hash.update(readFileSync(join(SOURCE_DIR, name)));
  return (opsPath = join(REPO_ROOT, ".native", "lottery-ops", `lottery-ops-${hash.digest("hex").slice(0, 16)}.so`));
}

/**
 * Builds the library for the libtensorflow in `deps` (tfjs-node's deps/: lib/ and include/) unless it is
 * built already; compiled beside its place and renamed into it, so a build cut short is never loaded.
 */
export function buildTensorflowOps(deps: string): string {
  const target = tensorflowOpsPath();
  if (existsSync(target)) return target;
  mkdirSync(dirname(target), { recursive: true });
  const partial = `${target}.${process.pid}.partial`;
  const libDir = join(deps, "lib");
  try {
    execFileSync(
      "g++",
      // -ffp-contract=off: no fused multiply-adds, so every product and sum rounds as tfjs's separate ops do.
      ["-std=c++17", "-O3", "-ffp-contract=off", "-fno-math-errno", "-fPIC", "-shared", "-Wall", "-Werror", "-o", partial, join(SOURCE_DIR, "lottery_ops.cc"),
        "-Wl,--no-as-needed", `-L${libDir}`, "-ltensorflow", `-Wl,-rpath,$ORIGIN/${relative(dirname(target), libDir)}`],
      { stdio: ["ignore", "inherit", "inherit"] },
    );
    renameSync(partial, target);
  } finally {
    rmSync(partial, { force: true });
  }
  return target;
}

let loaded: boolean | undefined;

/**
 * Loads the library into this process's TensorFlow (tfjs-node must be loaded first), once; false, with one
 * line saying how to build it, where it is not built. koffi opens it: its constructor registers the ops.
 */
export function loadTensorflowOps(): boolean {
  if (loaded !== undefined) return loaded;
  const path = tensorflowOpsPath();
  let missing = existsSync(path) ? "" : `not built for these sources (${relative(REPO_ROOT, path)})`;
  if (!missing) {
    try {
      (require("koffi") as typeof import("koffi")).load(path);
    } catch (e) {
      missing = `not loadable (${(e as Error).message.split("\n")[0]})`;
    }
  }
  if (missing) console.warn(`note: the project's TensorFlow ops are ${missing}; run \`npm run native\`. tfjs-node runs on TensorFlow's kernels alone, slower (its batch norm under a run identity of its own).`);
  return (loaded = !missing);
}
