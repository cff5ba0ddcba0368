#!/usr/bin/env bash
# CI only (.github/workflows/ci.yml): runs the Playwright specs against the real
# Electron app under xvfb-run, inside a network namespace that only has loopback,
# as the runner's own (non-root) user, with D-Bus and an unlocked GNOME keyring
# started by scripts/sandbox.sh.
#
# Why not plain `bash scripts/sandbox.sh`: as a non-root user it would use
# `unshare -rn`, which maps us to uid 0, and Chromium (so Electron) refuses to
# run as root with its sandbox on. So the namespace is made with sudo and the
# tests drop back to the runner's user inside it.
set -euo pipefail
cd "$(dirname "$0")/../.."

: "${E2E_ELECTRON:?E2E_ELECTRON=1 is expected (the workflow sets it)}"
user="$(id -un)"

exec sudo --preserve-env env "PATH=$PATH" unshare -n -- bash -c '
  set -euo pipefail
  ip link set lo up
  exec sudo --preserve-env -u "$0" env "PATH=$PATH" NVR_SANDBOXED=1 \
    xvfb-run -a --server-args="-screen 0 1400x900x24" \
    bash scripts/sandbox.sh npx playwright test
' "$user"
