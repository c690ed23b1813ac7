#!/usr/bin/env bash
# Install feedbot with its test tools into ./.venv, lint, type-check, and run the whole suite
# (every storage and end-to-end test runs on SQLite and on the PostgreSQL at 127.0.0.1:5432).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'
npm ci --prefix tests/cards --no-audit --no-fund --loglevel=error
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
exec .venv/bin/pytest -q "$@"
