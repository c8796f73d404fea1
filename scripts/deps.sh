#!/usr/bin/env bash
# Installs, from Debian 12's own archive, whatever Kopilka needs and the machine
# lacks. Nothing is downloaded at build or run time. docs/dependencies.md says
# why each package is here.
set -euo pipefail
packages=(
  build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-json1.81-dev
  librocksdb-dev libsodium-dev libqrencode-dev
  libzbar-dev zbar-tools libpng-dev
  catch2 libcli11-dev curl python3-jsonschema
  clang-19 libclang-rt-19-dev
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
