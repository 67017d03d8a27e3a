#!/usr/bin/env bash
# `npm run webgpu`: a Vulkan driver for the webgpu backend on a machine without a GPU: Mesa 25's lavapipe (a CPU
# Vulkan driver, about 1 GFLOP/s: for correctness tests, not experiments), installed into .webgpu/ (ignored by git).
# Debian 12's own lavapipe (Mesa 22) is rejected by Dawn, so the driver library comes from bookworm-backports,
# fetched with a private apt configuration in .webgpu/apt/ and unpacked with dpkg -x: the system's apt sources and
# its Mesa stay as they are. From bookworm itself it needs libvulkan1 (the Vulkan loader) and mesa-vulkan-drivers
# (lavapipe's runtime libraries), which it installs when it runs as root or with sudo.
# Writes .webgpu/lvp_icd.json, which lottery-lab names in VK_DRIVER_FILES unless that is set (docs/backends.md).
# Idempotent: a working install is left alone. Prints one line naming what is missing when something is.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DIR=$ROOT/.webgpu
ICD=$DIR/lvp_icd.json
LIB=$DIR/lavapipe/libvulkan_lvp.so
fail() { echo "error: $*" >&2; exit 2; }

[ -f node_modules/webgpu/package.json ] && [ -f node_modules/@tensorflow/tfjs-backend-webgpu/package.json ] \
  || fail "the npm packages webgpu and @tensorflow/tfjs-backend-webgpu (optional dependencies) are not installed; run npm ci first"

# The adapter Dawn finds with this driver, or the reason it finds none (bin/webgpu-adapter.ts).
adapter() { VK_DRIVER_FILES=$ICD node_modules/.bin/tsx bin/webgpu-adapter.ts; }

if [ -f "$ICD" ] && [ -f "$LIB" ] && adapter >/dev/null 2>&1; then echo "webgpu: already set up ($(adapter))"; exit 0; fi

. /etc/os-release 2>/dev/null || true
[ "${VERSION_CODENAME:-}" = bookworm ] \
  || fail "this script installs lavapipe on Debian 12 (bookworm), not on ${PRETTY_NAME:-this system}; elsewhere install Mesa >= 24's lavapipe (or a GPU's Vulkan driver) and set VK_DRIVER_FILES to its ICD JSON"

if ! dpkg -s libvulkan1 mesa-vulkan-drivers >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
    fail "lavapipe needs the Debian packages libvulkan1 and mesa-vulkan-drivers: run \`apt-get install libvulkan1 mesa-vulkan-drivers\` as root, then npm run webgpu again"
  fi
  echo "webgpu: installing libvulkan1 and mesa-vulkan-drivers (Debian 12) for the Vulkan loader and lavapipe's libraries"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libvulkan1 mesa-vulkan-drivers >/dev/null \
    || fail "apt-get install libvulkan1 mesa-vulkan-drivers failed (run apt-get update first?)"
fi

# bookworm-backports from the mirror the system already uses for bookworm.
URI=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null | awk '$2 == "bookworm" && !found { print $1; found = 1 }')
URI=${URI:-http://deb.debian.org/debian/}
APT=$DIR/apt
rm -rf "$APT" && mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial" "$APT/sources.list.d"
echo "deb $URI bookworm-backports main" > "$APT/sources.list"
OPTS=(-o "Dir::Etc::SourceList=$APT/sources.list" -o "Dir::Etc::SourceParts=$APT/sources.list.d" -o "Dir::State::Lists=$APT/lists"
  -o "Dir::Cache=$APT/cache" -o "APT::Sandbox::User=$(id -un)" -qq)
echo "webgpu: fetching Mesa's lavapipe from bookworm-backports ($URI) with a private apt configuration"
apt-get "${OPTS[@]}" update || fail "apt-get update of bookworm-backports ($URI) failed; is the mirror reachable?"
(cd "$APT" && apt-get "${OPTS[@]}" download mesa-vulkan-drivers/bookworm-backports) || fail "apt-get download mesa-vulkan-drivers/bookworm-backports failed"
deb=$(ls "$APT"/mesa-vulkan-drivers_*.deb | head -1)
dpkg-deb -x "$deb" "$APT/x"
mkdir -p "$(dirname "$LIB")"
lvp=$(find "$APT/x" -name libvulkan_lvp.so -print -quit)
[ -n "$lvp" ] || fail "$(basename "$deb") holds no libvulkan_lvp.so"
cp "$lvp" "$LIB"
# The driver's own manifest names its Vulkan version; ours adds the library's absolute path.
api=$(sed -n 's/.*"api_version": *"\([^"]*\)".*/\1/p' "$APT/x/usr/share/vulkan/icd.d/lvp_icd.json")
echo "{\"file_format_version\": \"1.0.0\", \"ICD\": {\"api_version\": \"${api:-1.4.305}\", \"library_path\": \"$LIB\"}}" > "$ICD"
version=$(dpkg-deb -f "$deb" Version)
rm -rf "$APT"
# Mesa warns on every start when XDG_RUNTIME_DIR is unset; lottery-lab points it here then (lib/webgpu/driver.ts).
mkdir -p "$DIR/runtime" && chmod 700 "$DIR/runtime"

found=$(adapter 2>&1) || fail "Dawn finds no adapter with the lavapipe of mesa-vulkan-drivers $version: $found"
echo "webgpu: ready, $found, mesa-vulkan-drivers $version (LOTTERY_BACKEND=webgpu uses it; npm run test:webgpu tests it)"
