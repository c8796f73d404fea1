#!/usr/bin/env bash
# The README's first command: install what is missing, build, run the main job.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/deps.sh"
bash "$root/scripts/build.sh" "$root/build"
exec "$root/build/ledger/kopilka-ledger-demo" "${@}"
