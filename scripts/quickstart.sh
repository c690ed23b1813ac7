#!/usr/bin/env bash
# Install feedbot into ./.venv and start the local shell on SQLite (./feedbot.db). No Slack needed.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
exec .venv/bin/feedbot shell
