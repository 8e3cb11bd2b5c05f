#!/usr/bin/env bash
# Makes sure the services the test suite needs are running: PostgreSQL on 127.0.0.1:5432 (trust auth).
# This machine kind starts it before each session; CI may find it stopped. Uses the same commands the
# machine uses (Debian's pg_ctlcluster). Exits non-zero only under CI when the service cannot be had.
set -u
if ! command -v pg_isready >/dev/null 2>&1; then
  echo "services: PostgreSQL client tools not installed; PostgreSQL tests will $( [ "${CI:-}" = true ] && echo fail || echo skip )" >&2
  exit 0
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "services: starting PostgreSQL"
  if ls /etc/postgresql >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
if pg_isready -q -h 127.0.0.1 -p 5432; then
  exit 0
fi
echo "services: PostgreSQL is not reachable on 127.0.0.1:5432" >&2
[ "${CI:-}" = true ] && exit 1
exit 0
