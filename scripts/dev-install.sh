#!/usr/bin/env bash
# Install feedbot with its test tools into ./.venv, and the Adaptive Card parser the tests validate cards with.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'
npm ci --prefix tests/cards --no-audit --no-fund --loglevel=error
