#!/usr/bin/env bash
# One command for a new machine: install, build, load demo data, serve on :8080.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
DATA_DIR=${FANGYI_DATA_DIR:-./data}
./build/server/fangyi demo-data --data-dir "$DATA_DIR"
echo "Open http://127.0.0.1:8080 (Ctrl-C stops the server)"
exec ./build/server/fangyi serve --data-dir "$DATA_DIR" --listen "${FANGYI_LISTEN:-127.0.0.1:8080}" --web-dir web/dist
