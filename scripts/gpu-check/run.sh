#!/usr/bin/env bash
# The GPU check, on the machine with the GPU (built by scripts/gpu-check/build.sh; docs/backends.md): lottery-lab's
# LeNet, Conv-2 and ResNet-20 training steps on the webgpu backend (Dawn over the GPU's Vulkan driver), beside
# PyTorch on CUDA where python3 has torch with CUDA (LOTTERY_PYTHON names another python). Prints the adapter and
# steps/s per row and writes gpu-check-results.json in the current folder; stops after 10 minutes whatever happens.
#   kit/run.sh            the check
#   kit/run.sh --smoke    one step of each row at batch 4: does the kit run at all? (also works on lavapipe)
set -euo pipefail
KIT=$(cd "$(dirname "$0")" && pwd)

# Node >= 20.19 (require of ES modules): the machine's, else the kit's.
NODE=$KIT/node/bin/node
if command -v node >/dev/null && node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then NODE=node; fi

# The Vulkan driver: VK_DRIVER_FILES when set, else NVIDIA's ICD JSON, else one written for NVIDIA's library
# (containers often carry libGLX_nvidia.so.0 without the JSON that names it).
if [ -z "${VK_DRIVER_FILES:-}" ]; then
  for f in /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.x86_64.json; do
    if [ -f "$f" ]; then export VK_DRIVER_FILES=$f; break; fi
  done
fi
if [ -z "${VK_DRIVER_FILES:-}" ] && ldconfig -p | grep -q 'libGLX_nvidia.so.0 '; then
  echo '{"file_format_version": "1.0.0", "ICD": {"library_path": "libGLX_nvidia.so.0", "api_version": "1.3.0"}}' > "$KIT/nvidia_icd.json"
  export VK_DRIVER_FILES=$KIT/nvidia_icd.json
fi
[ -n "${VK_DRIVER_FILES:-}" ] || { echo "error: no NVIDIA Vulkan driver here (nvidia_icd.json or libGLX_nvidia.so.0); set VK_DRIVER_FILES to the GPU's ICD JSON" >&2; exit 2; }
# libglvnd, which NVIDIA's Vulkan library loads, from the kit where the machine has none.
ldconfig -p | grep -q 'libGLdispatch.so.0 ' || export LD_LIBRARY_PATH=$KIT/glvnd${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true

exec timeout 600 "$NODE" "$KIT/check.cjs" "$@"
