#!/usr/bin/env bash
# Runs the test suite; pytest's exit code 5 ("no tests collected") is a failure here, not a pass,
# because a suite that collects nothing has checked nothing.
set -u
cd "$(dirname "$0")/.."
.venv/bin/python -m pytest --durations=15 "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: treating as a failure" >&2
  exit 1
fi
exit "$rc"
