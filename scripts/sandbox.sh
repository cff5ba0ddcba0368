#!/usr/bin/env bash
# Runs a command the way tests must run here: inside an isolated network
# namespace (only loopback exists, so no packet can leave the machine) with a
# D-Bus session and an unlocked GNOME keyring (a real Secret Service for keytar).
# Where a piece is unavailable it says so and carries on with the rest.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

# In the namespace (its own sysctls): no socket bound to port 0 — a test's prober, a client's
# implicit bind before send() — may be handed SSDP's, WS-Discovery's or DHIP's port. One that was
# (on the wildcard address, without SO_REUSEADDR) made a simulated device's bind to 127.x:37810 fail
# with EADDRINUSE in another test file. The fixed ports the tests give their simulated sites
# (41900-41999, 43700-43799, 49150-49299, Dahua's 37777) sit inside the ephemeral range too;
# test/sandbox.test.ts finds each one in the tests and checks it is here. Best effort: a user
# namespace may not allow it.
reserve_discovery_ports() { echo 1900,3702,37777,37810,41900-41999,43700-43799,49150-49299 > /proc/sys/net/ipv4/ip_local_reserved_ports 2>/dev/null || true; }
export -f reserve_discovery_ports

if [ "${NVR_SANDBOXED:-}" != "1" ]; then
  export NVR_SANDBOXED=1
  if unshare -n true 2>/dev/null; then
    exec unshare -n bash -c 'ip link set lo up && reserve_discovery_ports && exec "$0" "$@"' "$0" "$@"
  elif unshare -rn true 2>/dev/null; then
    exec unshare -rn bash -c 'ip link set lo up && reserve_discovery_ports && exec "$0" "$@"' "$0" "$@"
  else
    echo "sandbox: network namespaces are unavailable here (unshare -n failed); running on loopback-bound sockets only." >&2
  fi
fi

if [ -z "${NVR_KEYRING:-}" ]; then
  export NVR_KEYRING=1
  if command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
    exec dbus-run-session -- bash -c '
      printf "nvr-test-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || echo "sandbox: gnome-keyring-daemon did not start; keychain tests will say so" >&2
      exec "$0" "$@"' "$@"
  else
    echo "sandbox: no dbus-run-session/gnome-keyring-daemon; keychain tests will say why they skip." >&2
  fi
fi
exec "$@"
