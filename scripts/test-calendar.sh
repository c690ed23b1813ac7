#!/usr/bin/env bash
# The time-driven tests (every end-to-end, scheduler, digest, pulse and release test) under libfaketime, started
# at instants where calendars break: a run must pass whatever the date and hour. The clock starts at the instant
# and runs on, so a run that starts ten seconds before midnight crosses it while it runs. The clock is moved by a
# fixed offset, not started afresh in each process: `feedbot serve` and CLI processes started by the tests keep
# the same time as the tests, as processes on one machine do.
#
#   bash scripts/test-calendar.sh [INSTANT ...] [-- PYTEST ARGS]
#
# INSTANT is one of the names below (default: all of them). Needs ./.venv (scripts/dev-install.sh) and installs
# Debian's faketime package when it is missing. Exit status 0 only if every instant passed.
set -euo pipefail
cd "$(dirname "$0")/.."

# name | the instant (UTC) | the zone the tests' settings use (FEEDBOT_TEST_TIMEZONE)
INSTANTS="monday-0930|2026-11-30 09:30:00|UTC
sunday-235950|2026-11-29 23:59:50|UTC
new-year-235950|2026-12-31 23:59:50|UTC
berlin-leaves-summer-time|2026-10-24 23:59:50|Europe/Berlin"
# The last is 01:59:50 in Berlin on 25 October 2026: summer time ends an hour later, at 03:00 local.

TESTS=(tests/e2e tests/security tests/comms tests/storage tests/bot tests/handlers)
# Slow files whose outcome no date or hour can change (no schedule, week, day or zone in them): the terminal's
# line editing, signals and health, Socket Mode, fault injection, trackers and webhooks, exports' escaping, fuzzing,
# the suppression property, checking usage events and people files, and what is told at an instant the test names
# itself (the demo company, the KPIs' seeded history). The main suite runs them; a new file runs here until it is
# listed.
CLOCKLESS=(
    tests/bot/test_shell.py tests/bot/test_suppression.py tests/bot/cli/test_help.py
    tests/e2e/test_delivery_faults.py tests/e2e/test_server_ops.py tests/e2e/test_socket_mode.py
    tests/e2e/test_trackers.py tests/e2e/test_webhooks.py tests/e2e/test_tenant_isolation.py
    tests/e2e/test_fuzz_requests.py tests/e2e/test_fuzz_teams.py tests/e2e/test_slack_malformed.py
    tests/e2e/test_slack_event_retries.py tests/e2e/test_export_roundtrip.py tests/e2e/test_audit.py
    tests/security/test_export_formulas.py tests/security/test_export_output_symlink.py
    tests/security/test_markup_injection.py tests/e2e/test_events_api.py tests/bot/cli/test_events_import.py
    tests/bot/cli/test_people.py tests/e2e/test_fuzz_teams_invokes.py tests/handlers/teams/test_message_actions.py
    tests/bot/demo/test_fill.py tests/storage/test_kpi.py tests/storage/test_kpi_weeks.py
)

names=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do names+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
[ ${#names[@]} -gt 0 ] || mapfile -t names < <(cut -d'|' -f1 <<<"$INSTANTS")

if ! command -v faketime >/dev/null; then
    echo "installing Debian's faketime (libfaketime)"
    { apt-get update -qq && apt-get install -y -qq faketime; } >/dev/null
fi
[ -x .venv/bin/pytest ] || bash scripts/dev-install.sh

failed=0
for name in "${names[@]}"; do
    line=$(grep "^$name|" <<<"$INSTANTS") || { echo "unknown instant: $name"; exit 2; }
    IFS='|' read -r _ instant zone <<<"$line"
    started=$(date +%s)
    offset=$(($(date -ud "$instant" +%s) - $(date +%s)))
    if TZ=UTC FEEDBOT_TEST_TIMEZONE="$zone" \
        faketime -f "$(printf %+d "$offset")" .venv/bin/pytest -q -p no:cacheprovider -n "${FEEDBOT_TEST_WORKERS:-2}" \
        "${TESTS[@]}" "${CLOCKLESS[@]/#/--ignore=}" "$@" >".venv/calendar-$name.log" 2>&1; then
        status=passed
    else
        status=FAILED
        failed=$((failed + 1))
    fi
    echo "$name ($instant UTC, settings in $zone): $status in $(($(date +%s) - started)) s: $(tail -n 1 ".venv/calendar-$name.log")"
    [ "$status" = passed ] || grep -E '^(FAILED|ERROR) ' ".venv/calendar-$name.log" | head -n 20 || true
done
echo "calendar: $((${#names[@]} - failed)) of ${#names[@]} instants passed"
[ "$failed" -eq 0 ]
