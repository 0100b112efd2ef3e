#!/usr/bin/env bash
# The newcomer's path, checked in CI: from a clean clone, `make run` with no chat tokens sets
# up .venv and starts the console chat; an article piped in is answered, and again on a
# second run (console runs have ids of their own). Prints how long each run took.
set -euo pipefail
cd "$(dirname "$0")/.."
article=seeds/000_942a618684aacc33.txt
for run in 1 2; do
  started=$(date +%s)
  if ! out=$(SLACK_BOT_TOKEN= DISCORD_TOKEN= make --no-print-directory run < "$article" 2>&1); then
    echo "first-run check: make run failed on run $run:"; echo "$out" | tail -40; exit 1
  fi
  if ! grep -q "^    Flagged [0-9]* assertion" <<<"$out"; then
    echo "first-run check: run $run printed no reply:"; echo "$out" | tail -40; exit 1
  fi
  echo "first-run check: run $run answered the piped article in $(( $(date +%s) - started )) s"
done
