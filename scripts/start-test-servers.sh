#!/usr/bin/env bash
# Starts the PostgreSQL and Redis servers the test suite uses (idempotent: running servers are left as
# they are). PostgreSQL gets a role `ingot` (password `ingot`) owning database `ingot_test`.
set -euo pipefail

cluster=$(pg_lsclusters --no-header | awk 'NR==1 {print $1" "$2}')
if [ -z "$cluster" ]; then
  version=$(ls /usr/lib/postgresql | sort -n | tail -1)
  pg_createcluster "$version" main
  cluster="$version main"
fi
# shellcheck disable=SC2086
pg_ctlcluster $cluster start 2>/dev/null || true
for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
su postgres -c "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname = 'ingot'\"" | grep -q 1 \
  || su postgres -c "psql -qc \"CREATE ROLE ingot LOGIN PASSWORD 'ingot' CREATEDB\""
su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname = 'ingot_test'\"" | grep -q 1 \
  || su postgres -c "createdb -O ingot ingot_test"

redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 1; done
echo "test servers: PostgreSQL $(pg_lsclusters --no-header | awk 'NR==1 {print $1}') on 5432, Redis on 6379"
