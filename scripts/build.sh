#!/usr/bin/env bash
# Builds the server (CMake + Ninja + ccache) and the web app (Vite).
#   scripts/build.sh          everything: server, unit tests, web app
#   scripts/build.sh server   the fangyi binary only (what the benches run)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo}
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" >/dev/null
fi
if [ "${1:-}" = server ]; then
  ninja -C build fangyi
  exit 0
fi
ninja -C build
if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  # npm ci rejects this lock file: npm 11 leaves the other platforms' optional rollup
  # packages out of it (npm/cli#4828). install follows the lock file all the same.
  npm install --prefix web --no-audit --no-fund --loglevel=error
fi
npm run --prefix web build --silent
