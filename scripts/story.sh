#!/usr/bin/env bash
# Plays the "U Volodi" story against a running kopilkad with the kopilka CLI,
# printing each command and its output:
#
#   scripts/story.sh HOST:PORT --cookie DATADIR/.cookie
#
# The owner creates the coin VOLODYA with a catalogue (coffee 1, donut 2,
# cheesecake 3) and two baristas with 500 each; a barista sends 3 to
# +7 900 000-00-01; the client asks for a code and claims the phone with it from the node's
# outbox, makes a coffee voucher (QR); the other barista redeems it; the owner
# reads the statistics; a second client, +7 900 000-00-02, gets 5 and the link to
# their cabinet in the browser is printed. Keys go to a fresh wallet dir (or KOPILKA_WALLET_DIR),
# all under the passphrase in KOPILKA_PASSPHRASE (a demo one if unset).
# KOPILKA_BIN points at the kopilka binary (default: build/wallet-cli/kopilka).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

usage() { echo "usage: $0 HOST:PORT --cookie DATADIR/.cookie" >&2; exit 2; }
[ $# -ge 1 ] || usage
node=$1; shift
cookie=""
while [ $# -gt 0 ]; do
  case "$1" in
    --cookie) [ $# -ge 2 ] || usage; cookie=$2; shift 2 ;;
    *) usage ;;
  esac
done
[ -n "$cookie" ] || usage
[ -r "$cookie" ] || { echo "story: cannot read the cookie $cookie (it is in the node's data dir)" >&2; exit 2; }

bin=${KOPILKA_BIN:-$root/build/wallet-cli/kopilka}
[ -x "$bin" ] || { echo "story: no kopilka binary at $bin (build it, or set KOPILKA_BIN)" >&2; exit 2; }
export KOPILKA_NODE=$node
export KOPILKA_WALLET_DIR=${KOPILKA_WALLET_DIR:-$(mktemp -d /tmp/kopilka-story-XXXXXX)}
export KOPILKA_PASSPHRASE=${KOPILKA_PASSPHRASE:-u-volodi-demo-passphrase}
work=$(mktemp -d /tmp/kopilka-story-files-XXXXXX)

# Bold commands and cyan notes on a terminal; plain text in a log.
if [ -t 1 ]; then bold=$'\033[1m' cyan=$'\033[36m' plain=$'\033[0m'; else bold="" cyan="" plain=""; fi

# Prints the command as a person would type it, then runs it.
step() {
  local shown="" a
  for a in "$@"; do
    if [[ "$a" =~ [[:space:]] ]]; then shown+=" '$a'"; else shown+=" $a"; fi
  done
  printf '\n%s$ kopilka%s%s\n' "$bold" "$shown" "$plain"
  "$bin" "$@"
}
say() { printf '\n%s# %s%s\n' "$cyan" "$*" "$plain"; }

say "Keys: the owner, two baristas and a client, each in its own encrypted keystore"
for who in owner masha petya client; do
  if "$bin" key address "$who" >/dev/null 2>&1; then echo "(key '$who' already in $KOPILKA_WALLET_DIR)"; else step key new "$who"; fi
done
masha=$("$bin" key address masha)
petya=$("$bin" key address petya)

# The coin's ticker is unique on the chain: on a node that has seen the story, take the next free one.
ticker=VOLODYA
for n in "" 2 3 4 5 6 7 8 9; do
  ticker=VOLODYA$n
  if ! "$bin" venue show "$ticker" >/dev/null 2>&1; then break; fi
done

say "The owner creates the venue and its coin; the whole supply goes to the treasury"
step --as owner venue create "$ticker" --name "U Volodi" --address "ul. Lenina 1" --hours "Mo-Su 08:00-22:00"
say "The catalogue: coffee 1, donut 2, cheesecake 3"
step --as owner product set "$ticker" 1 coffee 1 --category drinks
step --as owner product set "$ticker" 2 donut 2 --category bakery
step --as owner product set "$ticker" 3 cheesecake 3 --category desserts
say "Two baristas: nobody is staff without their own signature, so each signs an acceptance for the owner"
masha_yes=$(step --as masha staff accept "$ticker" | tee /dev/stderr | tail -n 1)
petya_yes=$(step --as petya staff accept "$ticker" | tee /dev/stderr | tail -n 1)
say "The owner adds them with their acceptances, and gives each 500 from the treasury"
step --as owner staff add "$ticker" "$masha_yes" --role barista --limit-per-tx 50 --limit-per-day 300
step --as owner staff add "$ticker" "$petya_yes" --role barista --limit-per-tx 50 --limit-per-day 300
step --as owner fund "$ticker" "$masha" 500
step --as owner fund "$ticker" "$petya" 500
step venue show "$ticker"

say "Masha gives a client 3 for a purchase, by the phone number they say"
step --as masha send "$ticker" "+7 900 000-00-01" 3 --memo "welcome to U Volodi"

say "The node sent the client an SMS with the amount and a link to their page; it carries no code (this node's outbox prints it)"
step admin outbox --cookie "$cookie" --limit 1
say "The client opens the page and asks for a claim code, which comes by SMS"
step --as client claim-request "+7 900 000-00-01"
code=$("$bin" admin outbox --cookie "$cookie" --phone "+7 900 000-00-01" --code)

say "The client claims the phone with the code, binding it to their own key"
step --as client claim "+7 900 000-00-01" --code "$code"
step --as client balance
step --as client rewards "$ticker"

say "The client picks a coffee and shows the QR"
step --as client voucher "$ticker" 1 --png "$work/coffee.png"

say "Petya scans it (here: the PNG, decoded with zbar), sees what it would do, and redeems it"
step --as petya redeem "$ticker" --png "$work/coffee.png"
step --as client balance

say "The owner's statistics and the venue's history"
step --as owner stats "$ticker"
step --as owner history "$ticker"

say "The owner publishes a bonus programme from a file (docs/programme.md): the seed's brackets, tiers, gifts, a stamp card"
# The example takes effect a few seconds from now, so the story can use it at once.
effective=$(date -u -d "@$(( $(date +%s) + 6 ))" +%Y-%m-%dT%H:%M:%SZ)
sed "s/^zone = .*/&\neffective_from = $effective/" "$root/docs/examples/programme.toml" > "$work/programme.toml"
step --as owner programme set "$ticker" "$work/programme.toml"
sleep 7
step programme show "$ticker"

say "Masha records the client's purchase: the till shows what the programme gives, then the ledger does the same"
step --as masha purchase "$ticker" "+7 900 000-00-01" coffee=350 cake=200 --receipt R-1001
step --as client loyalty "$ticker"

say "Anyone can audit: replay every block from the node and verify it locally"
step audit

say "Masha gives another client 5; this one has not claimed yet, and will use the page in the browser"
step --as masha send "$ticker" "+7 900 000-00-02" 5 --memo "first visit"
cabinet=$("$bin" admin outbox --cookie "$cookie" --phone "+7 900 000-00-02" --link)

cat <<EOF

The client's cabinet, as the SMS link opens it (the page asks for the claim code,
which this node's outbox prints: $bin admin outbox --cookie $cookie --limit 1):

  $cabinet

The node is still running at $node. Go on by hand:

  export KOPILKA_NODE=$node KOPILKA_WALLET_DIR=$KOPILKA_WALLET_DIR KOPILKA_PASSPHRASE=$KOPILKA_PASSPHRASE
  $bin --as client rewards $ticker
  $bin --as client voucher $ticker 2           # a donut
  $bin --as masha redeem $ticker -             # paste the payload, as a USB scanner would type it
  $bin --as client gift $ticker "+7 900 000-00-03" 1
  $bin --help                                  # every command; docs/cli.md has examples
EOF
