#!/usr/bin/env bash
# One-time set-up on Debian 12 (the README's Quick start; .ci/run and the CI
# workflow run exactly this): the Debian packages, the Node version the
# toolchain wants, then `npm ci`. Safe to run again: it only installs what is
# missing. Runs as root, or as a user who may sudo.
#
# Why a Node of its own: Electron 45 and its tooling (electron-builder,
# @electron/get, node-abi) require Node >= 22.12, and Debian 12 machines here
# carry Node 20, so `npm ci` would warn five times and the packaging tools run
# on an engine they do not support. Node itself ships on the npm registry as
# `node-linux-<arch>` (the one registry this machine reaches): installed under
# /usr/local, it comes before Debian's /usr/bin/node on PATH without touching it.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_VERSION=22.23.5
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# 1. Debian packages: keytar builds against libsecret during npm ci; the tests
#    need Chromium, a keyring and D-Bus, ffmpeg (the fake webcam), ip/unshare.
need=()
command -v chromium >/dev/null || need+=(chromium)
dpkg -s libsecret-1-dev >/dev/null 2>&1 || need+=(libsecret-1-dev)
command -v gnome-keyring-daemon >/dev/null || need+=(gnome-keyring)
command -v dbus-run-session >/dev/null || need+=(dbus dbus-user-session)
command -v ffmpeg >/dev/null || need+=(ffmpeg)
command -v ip >/dev/null || need+=(iproute2)
command -v unshare >/dev/null || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${need[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# 2. Node >= 22.12.
node_ok() { node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 12) ? 0 : 1)' 2>/dev/null; }
if ! node_ok; then
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "setup: no Node $NODE_VERSION package for $(uname -m); install Node >= 22.12 yourself, then run this again." >&2; exit 1 ;;
  esac
  echo "Installing Node $NODE_VERSION (node-linux-$arch from the npm registry) under /usr/local; Debian's Node stays as it is."
  # An older Node already installed under /usr/local (an official tarball, the node:20 image) is replaced.
  force=(); [ -e /usr/local/bin/node ] && force=(--force)
  as_root npm install --global --prefix /usr/local --no-audit --no-fund --loglevel=error "${force[@]}" "node-linux-$arch@$NODE_VERSION" >/dev/null
  hash -r
  node_ok || { echo "setup: /usr/local/bin must come before /usr/bin on PATH for Node $NODE_VERSION to be used (PATH=$PATH)." >&2; exit 1; }
fi

# 3. The project's packages. Native modules (keytar) build against the running
#    Node's own headers (every Node install carries include/node), whatever an
#    npmrc says; Electron's binary is not downloaded (no internet access here:
#    the end-to-end suite runs on the browser host; see the README).
node_root="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm_config_nodedir="$node_root" npm ci --no-audit --no-fund
