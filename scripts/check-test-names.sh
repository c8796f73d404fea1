#!/usr/bin/env bash
# ctest splits a registered name at ';' (a CMake list), so a Catch2 case whose
# name holds one is registered as two names that each match no case: it would
# never run under ctest, and both halves would pass. Refuse such names.
set -euo pipefail
root=${1:?usage: check-test-names.sh SOURCE_DIR}
if grep -rnE 'TEST_CASE\("[^"]*;' "$root/tests" --include='*.cpp'; then
  echo "check-test-names: the case names above hold ';', which ctest splits; use ',' instead" >&2
  exit 1
fi
echo "check-test-names: no case name holds ';'"
