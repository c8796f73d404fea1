#!/usr/bin/env bash
# Installs, from Debian 12's own archive, whatever Kopilka needs and the machine
# lacks. Nothing is downloaded at build or run time. docs/dependencies.md says
# why each package is here.
set -euo pipefail
packages=(
  build-essential cmake ninja-build ccache pkg-config dpkg-dev systemd
  libboost1.81-dev libboost-json1.81-dev
  librocksdb-dev libsodium-dev libqrencode-dev
  libzbar-dev zbar-tools libpng-dev libjpeg-dev libwebp-dev
  catch2 libcli11-dev libtomlplusplus-dev tzdata curl libcurl4-openssl-dev libssl-dev python3-jsonschema
  clang-19 libclang-rt-19-dev
  chromium caddy fonts-dejavu-core ffmpeg
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Node.js for web/ (the pages and their ledger library): Debian's nodejs and
# npm, only where no `node` is present at all (a newer Node's own npm
# conflicts with Debian's npm package). Then the locked npm packages, without
# install scripts, whenever web/node_modules is missing or older than
# web/package-lock.json. Nothing is fetched at build or run time after this.
if ! command -v node >/dev/null 2>&1; then
  echo "deps: installing nodejs npm"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends nodejs npm
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "deps: 'node' is installed without 'npm'; install the npm that belongs to this Node.js" >&2
  exit 1
fi
web_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/web"
if [ ! -d "$web_dir/node_modules" ] || [ "$web_dir/package-lock.json" -nt "$web_dir/node_modules" ]; then
  echo "deps: npm ci --ignore-scripts in web/"
  (cd "$web_dir" && npm ci --ignore-scripts --no-audit --no-fund)
  touch "$web_dir/node_modules"
fi
