#!/bin/sh
# One-shot (temporalio/admin-tools): creates Temporal's schemas in PostgreSQL on the first run and
# upgrades them when TEMPORAL_VERSION moves on. Safe to run on every `docker compose up`:
# `setup-schema -v 0.0` skips a database that already has a schema, `update-schema` applies only
# what is missing. The databases themselves come from deploy/postgres/init-temporal.sql.
set -eu
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${SQL_PASSWORD:?}"
PORT="${DB_PORT:-5432}"
SCHEMA_ROOT=/etc/temporal/schema/postgresql/v12

tool() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$PORT" -u "$POSTGRES_USER" "$@"
}

for attempt in $(seq 1 30); do
  nc -z "$POSTGRES_SEEDS" "$PORT" && break
  [ "$attempt" -eq 30 ] && { echo "PostgreSQL at $POSTGRES_SEEDS:$PORT is unreachable" >&2; exit 1; }
  sleep 2
done

tool --db "${DBNAME:-temporal}" setup-schema -v 0.0
tool --db "${DBNAME:-temporal}" update-schema -d "$SCHEMA_ROOT/temporal/versioned"
tool --db "${VISIBILITY_DBNAME:-temporal_visibility}" setup-schema -v 0.0
tool --db "${VISIBILITY_DBNAME:-temporal_visibility}" update-schema -d "$SCHEMA_ROOT/visibility/versioned"
echo "Temporal schemas are up to date"
