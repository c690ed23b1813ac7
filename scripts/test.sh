#!/usr/bin/env bash
# Install feedbot with its test tools into ./.venv, lint, type-check, and run the whole suite
# (every storage and end-to-end test runs on SQLite and on the PostgreSQL at 127.0.0.1:5432).
#
#   bash scripts/test.sh [PYTEST ARGS]    the suite (extra arguments go to pytest)
#   bash scripts/test.sh --repeat N       the flaky-test guard: the end-to-end tests N times over, a line per round
#
# Tests run in FEEDBOT_TEST_WORKERS processes (pytest-xdist; default 2, one per core of the CI machine; 0 runs
# them in this process). Each worker has its own databases and servers on their own ports.
set -euo pipefail
cd "$(dirname "$0")/.."
workers=${FEEDBOT_TEST_WORKERS:-2}
bash scripts/dev-install.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy

if [ "${1:-}" = "--repeat" ]; then
    rounds=${2:?"--repeat takes a number of rounds"}
    shift 2
    failed=0
    for round in $(seq 1 "$rounds"); do
        started=$(date +%s)
        if .venv/bin/pytest -q -n "$workers" tests/e2e "$@" >".venv/repeat-$round.log" 2>&1; then status=passed; else
            status=FAILED
            failed=$((failed + 1))
        fi
        echo "round $round/$rounds: $status in $(($(date +%s) - started)) s: $(tail -n 1 ".venv/repeat-$round.log")"
    done
    echo "$((rounds - failed)) passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
fi
exec .venv/bin/pytest -q -n "$workers" "$@"
