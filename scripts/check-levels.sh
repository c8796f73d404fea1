#!/usr/bin/env bash
# Levelization (after rippled): each folder may include only itself and the
# folders below it on the ladder
#     crypto < ledger < rpc < node, wallet-cli
# node and wallet-cli are siblings: the wallet reaches the node only over JSON-RPC.
# bench (kopilka-bench) is a client like the wallet: rpc and below, never node;
# tests/ may include anything (they link bench's node_process and load driver).
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root"

declare -A allowed=(
  [crypto]="crypto"
  [ledger]="crypto ledger"
  [rpc]="crypto ledger rpc"
  [node]="crypto ledger rpc node"
  [wallet-cli]="crypto ledger rpc wallet-cli"
  [bench]="crypto ledger rpc bench"
)
status=0
checked=0
for dir in "${!allowed[@]}"; do
  [ -d "$dir" ] || continue
  while IFS= read -r line; do
    file=${line%%:*}
    inc=$(sed -E 's/.*#include[[:space:]]*"([^/"]+)\/.*/\1/' <<<"${line#*:}")
    checked=$((checked + 1))
    case " crypto ledger rpc node wallet-cli bench " in *" $inc "*) ;; *) continue ;; esac
    case " ${allowed[$dir]} " in
      *" $inc "*) ;;
      *) echo "levelization: $file includes $inc/ but $dir may include only: ${allowed[$dir]}"; status=1 ;;
    esac
  done < <(grep -rHE '#include[[:space:]]*"[^"/]+/' "$dir" --include='*.h' --include='*.cpp' || true)
done
if [ "$checked" = 0 ]; then echo "levelization: no project includes found (wrong root?)"; exit 1; fi
[ $status = 0 ] && echo "levelization: ok ($checked includes checked)"
exit $status
