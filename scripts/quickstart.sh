#!/usr/bin/env bash
# Install feedbot into ./.venv, fill an empty local database (./feedbot.db) with the demo company, and open the
# shell. No Slack or Teams needed. Arguments go to the shell (e.g. --outbox-log deliveries.log).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
if [ -z "${DATABASE_URL:-}" ] && [ ! -s feedbot.db ]; then
  .venv/bin/feedbot demo
fi
exec .venv/bin/feedbot shell "$@"
