#!/usr/bin/env bash
# Runs one fuzz target briefly, as ctest does (tests/fuzz/CMakeLists.txt):
#
#     run_fuzz.sh TARGET SEED_DIR WORK_DIR SECONDS [DICT]
#
# The seeds are copied to WORK_DIR/corpus first, so the run never writes into
# the source tree and each ctest run starts from the committed corpus (which
# includes every crasher found so far: they are replayed before any fuzzing).
# Crashes, leaks and timeouts land in WORK_DIR/artifacts/, kept across runs.
set -euo pipefail
target=$1 seeds=$2 work=$3 seconds=$4 dict=${5:-}
rm -rf "$work/corpus" "$work/tmp"
mkdir -p "$work/corpus" "$work/artifacts" "$work/tmp"
# fuzz_rpc's node keeps its data dir under TMPDIR and removes it at a normal
# exit; a crash exits at once, so keep what it leaves inside the build tree.
export TMPDIR="$work/tmp"
cp "$seeds"/* "$work/corpus/"
args=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=30 -print_final_stats=1
      -artifact_prefix="$work/artifacts/")
if [ -n "$dict" ]; then args+=(-dict="$dict"); fi
exec "$target" "${args[@]}" "$work/corpus"
