#!/usr/bin/env bash
# Builds the GPU check (docs/backends.md) into .gpu-check/ (ignored by git; GPU_CHECK_OUT names another folder):
# kit/ and gpu-check.tar.xz (about 40 MB), to copy to a machine with a GPU and run there:
# `tar xJf gpu-check.tar.xz && kit/run.sh` (under 10 minutes).
# The kit holds the check bundled by esbuild (scripts/gpu-check/steps.ts with the library), Dawn's dawn.node with a
# Vulkan loader beside it, libglvnd (which NVIDIA's Vulkan library needs), this machine's Node (used where the GPU
# machine has no Node >= 20.19), and the PyTorch side (torch_steps.py, bench/reference.py). Needs `npm ci` and the
# Vulkan loader libvulkan1 (`npm run webgpu` installs it). `--no-tar` stops after kit/.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${GPU_CHECK_OUT:-$PWD/.gpu-check}
KIT=$OUT/kit
fail() { echo "error: $*" >&2; exit 2; }
# awk reads all of ldconfig's output: exiting at the first match would leave ldconfig writing into a closed pipe,
# and its SIGPIPE (status 141) would stop this script under pipefail whenever the listing outgrows the pipe buffer.
lib() { ldconfig -p | awk -v name="$1" '$1 == name && /x86-64/ && !found { print $NF; found = 1 }'; }

DAWN=node_modules/webgpu/dist/linux-x64/dawn.node
[ -f "$DAWN" ] || fail "$DAWN is missing: run npm ci (webgpu is an optional dependency)"
LOADER=$(lib libvulkan.so.1)
[ -n "$LOADER" ] || fail "no Vulkan loader (libvulkan.so.1) to put in the kit: apt-get install libvulkan1, or npm run webgpu"

rm -rf "$KIT" && mkdir -p "$KIT/node_modules/webgpu/dist/linux-x64" "$KIT/glvnd" "$KIT/node/bin"
# webgpu stays a package beside the bundle (its entry finds dawn.node relative to itself); koffi and the wasm
# backend are loaded only on other backends.
node_modules/.bin/esbuild scripts/gpu-check/steps.ts --bundle --platform=node --target=node20 --format=cjs --log-level=error \
  --external:webgpu --external:koffi --external:@tensorflow/tfjs-backend-wasm --outfile="$KIT/check.cjs"
cp node_modules/webgpu/package.json node_modules/webgpu/index.js "$KIT/node_modules/webgpu/"
cp "$DAWN" "$KIT/node_modules/webgpu/dist/linux-x64/"
# dawn.node looks for libvulkan.so.1 in its own folder first.
cp -L "$LOADER" "$KIT/node_modules/webgpu/dist/linux-x64/libvulkan.so.1"
for name in libGLdispatch.so.0 libGLX.so.0 libEGL.so.1 libGL.so.1; do
  path=$(lib "$name")
  [ -n "$path" ] && cp -L "$path" "$KIT/glvnd/" || echo "gpu-check: $name is not installed here; the kit goes without it"
done
cp -L "$(command -v node)" "$KIT/node/bin/node"
cp scripts/gpu-check/run.sh scripts/gpu-check/torch_steps.py bench/reference.py "$KIT/"
if [ "${1:-}" != "--no-tar" ]; then
  tar -C "$OUT" -cf - kit | xz -T2 -6 > "$OUT/gpu-check.tar.xz"
  echo "gpu-check: wrote $OUT/gpu-check.tar.xz ($(du -h "$OUT/gpu-check.tar.xz" | cut -f1)); on the GPU machine: tar xJf gpu-check.tar.xz && kit/run.sh"
else
  echo "gpu-check: wrote $KIT/ ($(du -sh "$KIT" | cut -f1))"
fi
