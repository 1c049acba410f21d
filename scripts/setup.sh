#!/usr/bin/env bash
# Installs every system dependency Fangyi needs on Debian 12 (idempotent).
set -euo pipefail
PKGS=(build-essential cmake ninja-build ccache pkg-config git curl ca-certificates
  librestinio-dev libasio-dev libfmt-dev libhttp-parser-dev
  libsoci-dev libsqlite3-dev sqlite3 libpq-dev
  libsodium-dev libjemalloc-dev nlohmann-json3-dev libspdlog-dev libcli11-dev
  libqrencode-dev libpng-dev libxlsxwriter-dev libminizip-dev libexpat1-dev zlib1g-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  postgresql postgresql-contrib
  chromium fonts-noto-cjk wrk nginx-light)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if ! command -v node >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm
fi
# Debian's postgresql package starts a system cluster; tests run their own cluster instead.
