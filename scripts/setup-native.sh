#!/usr/bin/env bash
# `npm run native`: the tfjs-node backend (TensorFlow's C library, oneDNN convolutions), installed into
# .native/ (ignored by git) so that the project's own node_modules and lock file stay as they are.
# Where libtensorflow comes from, in order:
#   1. LIBTENSORFLOW_DIR, a folder with lib/libtensorflow.so.2, lib/libtensorflow_framework.so.2 and include/
#   2. tfjs-node's own download (works where storage.googleapis.com is reachable)
#   3. the C library inside a `tensorflow-cpu` wheel from pip (`pip download`, works offline from a wheel index)
# Last, the project's own TensorFlow ops (lib/kernels/native/) are compiled against that libtensorflow.
# Idempotent: a working install is left alone. Prints one line naming what is missing when nothing works.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TFJS_VERSION=4.22.0
WHEEL_VERSION=${TENSORFLOW_WHEEL_VERSION:-2.21.0}
NATIVE=$ROOT/.native
PKG=$NATIVE/node_modules/@tensorflow/tfjs-node

works() { node -e "require('$PKG'); const tf = require('@tensorflow/tfjs'); process.exit(tf.findBackend('tensorflow') ? 0 : 1)" >/dev/null 2>&1; }

# The project's own ops (lib/kernels/native/), built against the same libtensorflow; rebuilt when their sources change.
build_ops() { "$ROOT/node_modules/.bin/tsx" "$ROOT/bin/tensorflow-ops.ts" "$PKG/deps"; }

if [ -d "$PKG" ] && works; then echo "native backend: already set up ($PKG)"; build_ops; exit 0; fi

mkdir -p "$NATIVE"
[ -f "$NATIVE/package.json" ] || echo '{ "private": true, "name": "lottery-lab-native", "description": "tfjs-node for lottery-lab, built by scripts/setup-native.sh" }' > "$NATIVE/package.json"
if [ ! -f "$PKG/package.json" ]; then
  echo "native backend: installing @tensorflow/tfjs-node@$TFJS_VERSION into .native/ (its download script is run below)"
  (cd "$NATIVE" && npm install --ignore-scripts --no-audit --no-fund --no-package-lock "@tensorflow/tfjs-node@$TFJS_VERSION" >/dev/null)
fi

DEPS=$PKG/deps
place_libs() { # $1: libtensorflow_cc (or libtensorflow) .so.2, $2: libtensorflow_framework.so.2, $3: include dir
  # Assembled beside deps/ and renamed into place when complete: a copy cut short (a full disk) is never taken
  # for an installed library by the next run.
  local part=$DEPS.partial
  rm -rf "$part" && mkdir -p "$part/lib"
  # The names tfjs-node's install script looks for (it then skips its download and builds the binding).
  cp "$1" "$part/lib/libtensorflow.so.2.9.1"
  cp "$2" "$part/lib/libtensorflow_framework.so.2.9.1"
  for n in libtensorflow libtensorflow_framework; do ln -sf "$n.so.2.9.1" "$part/lib/$n.so.2"; ln -sf "$n.so.2" "$part/lib/$n.so"; done
  # A wheel's library is named by its soname, libtensorflow_cc.so.2, which the built binding then asks for.
  ln -sf libtensorflow.so.2.9.1 "$part/lib/libtensorflow_cc.so.2"
  cp -r "$3" "$part/include"
  rm -rf "$DEPS" && mv "$part" "$DEPS"
}
# Both libraries and the C API's headers in deps/ (an install cut short by an earlier version of this script
# could leave the first library alone, or part of it).
complete() { [ -f "$DEPS/lib/libtensorflow.so.2.9.1" ] && [ -f "$DEPS/lib/libtensorflow_framework.so.2.9.1" ] && [ -f "$DEPS/include/tensorflow/c/c_api.h" ]; }

build() {
  # node-gyp must not download Node's headers (offline): use the installed ones.
  local nodedir=${npm_config_nodedir:-$(dirname "$(dirname "$(command -v node)")")}
  [ -f "$nodedir/include/node/node_api.h" ] || nodedir=/usr
  (cd "$PKG" && PATH="$NATIVE/node_modules/.bin:$ROOT/node_modules/.bin:$PATH" npm_config_nodedir=$nodedir node scripts/install.js)
}

if ! complete; then
  if [ -n "${LIBTENSORFLOW_DIR:-}" ]; then
    echo "native backend: libtensorflow from LIBTENSORFLOW_DIR=$LIBTENSORFLOW_DIR"
    place_libs "$LIBTENSORFLOW_DIR/lib/libtensorflow.so.2" "$LIBTENSORFLOW_DIR/lib/libtensorflow_framework.so.2" "$LIBTENSORFLOW_DIR/include"
  elif (cd "$PKG" && PATH="$NATIVE/node_modules/.bin:$PATH" timeout 120 node scripts/install.js >/dev/null 2>&1) && works; then
    echo "native backend: libtensorflow downloaded by tfjs-node's own install script"
  else
    echo "native backend: tfjs-node's download is not reachable; taking libtensorflow from a tensorflow-cpu $WHEEL_VERSION wheel"
    WHEELS=${TENSORFLOW_WHEEL_DIR:-$NATIVE/wheel}
    mkdir -p "$WHEELS"
    wheel=$(ls "$WHEELS"/tensorflow_cpu-"$WHEEL_VERSION"-*.whl 2>/dev/null | head -1 || true)
    if [ -z "$wheel" ]; then
      PIP=$(command -v pip3 || command -v pip || true)
      [ -n "$PIP" ] || { echo "error: no libtensorflow: set LIBTENSORFLOW_DIR, or install pip so that a tensorflow-cpu wheel can be downloaded" >&2; exit 2; }
      "$PIP" download "tensorflow-cpu==$WHEEL_VERSION" --no-deps -d "$WHEELS" >/dev/null \
        || { echo "error: pip could not download tensorflow-cpu==$WHEEL_VERSION; set LIBTENSORFLOW_DIR to a libtensorflow folder or TENSORFLOW_WHEEL_DIR to a folder holding the wheel" >&2; exit 2; }
      wheel=$(ls "$WHEELS"/tensorflow_cpu-"$WHEEL_VERSION"-*.whl | head -1)
    fi
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    python3 - "$wheel" "$tmp" <<'PY'
import sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    # The two libraries and the C API's headers (with the few headers they include), not the whole include/.
    headers = tuple("tensorflow/include/" + p for p in ("tensorflow/c/", "tensorflow/core/platform/", "tsl/", "xla/tsl/c/", "xla/tsl/platform/"))
    for name in z.namelist():
        if name in ("tensorflow/libtensorflow_cc.so.2", "tensorflow/libtensorflow_framework.so.2") or name.startswith(headers):
            z.extract(name, out)
PY
    place_libs "$tmp/tensorflow/libtensorflow_cc.so.2" "$tmp/tensorflow/libtensorflow_framework.so.2" "$tmp/tensorflow/include"
  fi
fi

if ! works; then
  echo "native backend: building the tfjs-node binding against libtensorflow (about a minute)"
  build >"$NATIVE/build.log" 2>&1 || { echo "error: building the tfjs-node binding failed; see .native/build.log (it needs g++, make and python3)" >&2; exit 2; }
fi
# One tfjs for the whole process: tfjs-node must register its backend with the project's tfjs, not a copy.
for p in "$NATIVE"/node_modules/@tensorflow/*; do [ "$(basename "$p")" = tfjs-node ] || rm -rf "$p"; done
works || { echo "error: tfjs-node was built but does not register the tensorflow backend; see .native/build.log" >&2; exit 2; }
build_ops
echo "native backend: ready (LOTTERY_BACKEND=tensorflow forces it; by default conv nets use it, see the README)"
