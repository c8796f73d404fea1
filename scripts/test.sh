#!/usr/bin/env bash
# The README's second command: install what is missing, build, run every test.
# Two builds, both through ctest: an optimised one with g++ (what ships), and
# one with clang-19 under AddressSanitizer and UndefinedBehaviorSanitizer
# (KOPILKA_SANITIZE) that also builds the libFuzzer targets and runs each
# briefly (KOPILKA_FUZZ, tests/fuzz/): one extra build for both.
# docs/testing.md describes the suite.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/deps.sh"
jobs=$(nproc)

echo "== release build"
bash "$root/scripts/build.sh" "$root/build"
(cd "$root/build" && ctest --output-on-failure -j "$jobs")

if [ "${KOPILKA_SKIP_SANITIZERS:-0}" != 1 ]; then
  echo "== sanitizer and fuzz build (clang-19, ASan + UBSan + libFuzzer)"
  asan="$root/build-asan"
  # A tree configured with another compiler (g++ before clang took this pass
  # over) cannot be switched in place: start its configuration afresh.
  if [ -f "$asan/CMakeCache.txt" ] &&
     ! grep -q '^CMAKE_CXX_COMPILER:FILEPATH=.*clang++-19$' "$asan/CMakeCache.txt"; then
    rm -rf "$asan/CMakeCache.txt" "$asan/CMakeFiles"
  fi
  CC=clang-19 CXX=clang++-19 bash "$root/scripts/build.sh" "$asan" \
    -DCMAKE_BUILD_TYPE=Debug -DKOPILKA_SANITIZE=ON -DKOPILKA_FUZZ=ON
  (cd "$asan" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
     ctest --output-on-failure -j "$jobs")
fi
