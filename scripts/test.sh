#!/usr/bin/env bash
# `npm test`: every check, in the order a failure is cheapest to find.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n=== %s\n' "$*"; }

step "typecheck (one project per runtime)"; npx tsc -b tsconfig.json
step "lint";      npx eslint .
step "unused files, exports and dependencies (knip)"; npx knip --no-progress
step "build";     npx electron-vite build --logLevel warn
step "unit tests (isolated network namespace + keyring)"
bash scripts/sandbox.sh npx vitest run
step "end-to-end tests (Playwright, $([ "${E2E_ELECTRON:-}" = 1 ] && echo Electron || echo 'browser host'))"
bash scripts/sandbox.sh npx playwright test
