#!/usr/bin/env bash
# The README's first command: install what is missing, build, then run the main
# job — a kopilkad node on an embedded data dir (demo-data/ in the checkout),
# with the "U Volodi" demo venue played onto it by the kopilka CLI, each command
# printed with its output. The node then stays up until Ctrl-C.
#
#   KOPILKA_DEMO_PORT   port to serve (default 8645)
#   KOPILKA_DEMO_DIR    data dir (default <checkout>/demo-data)
#   KOPILKA_DEMO_EXIT=1 stop the node after the story instead of serving on
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/deps.sh"
bash "$root/scripts/build.sh" "$root/build"

port=${KOPILKA_DEMO_PORT:-8645}
data=${KOPILKA_DEMO_DIR:-$root/demo-data}
kopilkad=$root/build/node/kopilkad
kopilka=$root/build/wallet-cli/kopilka
wallet=$data-wallet

fresh=0
if [ ! -d "$data/ledger" ]; then
  "$kopilkad" init --datadir "$data" --chain-name kopilka-demo
  fresh=1
fi

log=$data/kopilkad.log
"$kopilkad" --datadir "$data" --port "$port" 2>>"$log" &
node_pid=$!
stop_node() { kill -TERM "$node_pid" 2>/dev/null || true; wait "$node_pid" 2>/dev/null || true; }
trap stop_node EXIT INT TERM

for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  kill -0 "$node_pid" 2>/dev/null || { echo "kopilkad did not start; see $log" >&2; tail -5 "$log" >&2; exit 1; }
  sleep 0.1
done
echo "kopilkad serves http://127.0.0.1:$port (data dir $data, log $log)"

if [ "$fresh" = 1 ]; then
  mkdir -p "$wallet"
  KOPILKA_BIN=$kopilka KOPILKA_WALLET_DIR=$wallet bash "$root/scripts/story.sh" "127.0.0.1:$port" --cookie "$data/.cookie"
else
  echo "The demo venue VOLODYA is already on this chain (remove $data to start over)."
  echo "The client's cabinet: $("$kopilka" --node "127.0.0.1:$port" admin outbox --cookie "$data/.cookie" --phone "+7 900 000-00-02" --link)"
fi


if [ "${KOPILKA_DEMO_EXIT:-0}" = 1 ]; then exit 0; fi
echo "The node keeps running; press Ctrl-C to stop it. Then: $kopilkad verify --datadir $data"
wait "$node_pid"
