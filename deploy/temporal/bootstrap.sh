#!/bin/sh
# The one bootstrap for a real Temporal cluster on PostgreSQL. docker-compose.yml's one-shot jobs run it
# (temporalio/admin-tools), and so do the production test tier and the cluster benchmarks
# (dev/temporal/temporal-cluster.ts), with the server config next to it (config.yaml). Safe to run on every start.
#
#   bootstrap.sh schema      creates the databases when missing, then creates or upgrades Temporal's schemas
#                            (temporal-sql-tool). Before the server starts, and again after a server upgrade.
#   bootstrap.sh namespace   once the frontend answers: creates the namespace with its retention (or sets the
#                            retention of an existing one), then registers Baton's search attributes.
#   bootstrap.sh all         both, waiting for the frontend in between.
#
# Settings (environment; the same names the server config reads):
#   POSTGRES_SEEDS (127.0.0.1), DB_PORT (5432), POSTGRES_USER (temporal), POSTGRES_PWD, DBNAME (temporal),
#   VISIBILITY_DBNAME (temporal_visibility); TEMPORAL_SCHEMA_DIR: a schema/postgresql/v12 folder, default the
#   schemas built into temporal-sql-tool.
#   TEMPORAL_ADDRESS (127.0.0.1:7233), TEMPORAL_NAMESPACE (default), TEMPORAL_NAMESPACE_RETENTION (72h),
#   BATON_SEARCH_ATTRIBUTES ("CustomerId=Keyword OrderStatus=Keyword", as contracts/search-attributes.ts);
#   BOOTSTRAP_SETTLE_SECONDS (60): the wait after adding attributes, until every role's cache has them.
#   TEMPORAL_SQL_TOOL (temporal-sql-tool) and TEMPORAL_CLI (temporal): the binaries, when not on PATH.
set -eu

SQL_TOOL="${TEMPORAL_SQL_TOOL:-temporal-sql-tool}"
CLI="${TEMPORAL_CLI:-temporal}"
SEARCH_ATTRIBUTES="${BATON_SEARCH_ATTRIBUTES:-CustomerId=Keyword OrderStatus=Keyword}"

# Retries a command every 2 s: the database or the frontend may still be starting.
retry() {
  attempts="$1"; shift
  i=1
  until "$@"; do
    [ "$i" -ge "$attempts" ] && { echo "bootstrap: gave up after $attempts attempts: $*" >&2; return 1; }
    echo "bootstrap: not yet ($i/$attempts): $*" >&2
    i=$((i + 1))
    sleep 2
  done
}

# $1: database, then the tool's command. sh has no local variables: each function keeps its own names.
sql_tool() {
  tool_db="$1"
  shift
  # The password goes through the environment, not the command line (ps shows arguments).
  SQL_PASSWORD="${POSTGRES_PWD:-}" "$SQL_TOOL" --plugin postgres12 --ep "${POSTGRES_SEEDS:-127.0.0.1}" \
    -p "${DB_PORT:-5432}" -u "${POSTGRES_USER:-temporal}" --db "$tool_db" "$@"
}

# $1: database, $2: temporal or visibility.
schema_of() {
  schema_db="$1"
  schema_kind="$2"
  retry 30 sql_tool "$schema_db" create-database
  # A database without Temporal's version tables gets them at version 0.0; one that has them is left as it is.
  sql_tool "$schema_db" setup-schema -v 0.0
  if [ -n "${TEMPORAL_SCHEMA_DIR:-}" ]; then
    sql_tool "$schema_db" update-schema -d "$TEMPORAL_SCHEMA_DIR/$schema_kind/versioned"
  else
    sql_tool "$schema_db" update-schema --schema-name "postgresql/v12/$schema_kind"
  fi
}

schema() {
  schema_of "${DBNAME:-temporal}" temporal
  schema_of "${VISIBILITY_DBNAME:-temporal_visibility}" visibility
  echo "bootstrap: Temporal's schemas are up to date"
}

frontend_address() {
  address="${TEMPORAL_ADDRESS:-127.0.0.1:7233}"
  host="${address%:*}"
  port="${address##*:}"
  # Like Temporal's compose samples: dial the IPv4 address of a host name.
  ip="$(getent ahosts "$host" 2>/dev/null | awk '/STREAM/ { print $1; exit }' || true)"
  echo "${ip:-$host}:$port"
}

temporal_cli() {
  "$CLI" "$@" --address "$ADDRESS" --namespace "$NAMESPACE"
}

missing_search_attributes() {
  list="$(temporal_cli operator search-attribute list)" || return 1
  missing=""
  for spec in $SEARCH_ATTRIBUTES; do
    echo "$list" | grep -qw "${spec%%=*}" || missing="$missing $spec"
  done
  echo "$missing"
}

register_search_attributes() {
  missing="$(missing_search_attributes)" || return 1
  [ -z "$missing" ] && return 0
  args=""
  for spec in $missing; do args="$args --name ${spec%%=*} --type ${spec#*=}"; done
  # shellcheck disable=SC2086 # one word per flag and value
  temporal_cli operator search-attribute create $args && ADDED="$missing"
}

search_attributes_registered() {
  missing="$(missing_search_attributes)" || return 1
  [ -z "$missing" ]
}

namespace() {
  ADDRESS="$(frontend_address)"
  NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
  retention="${TEMPORAL_NAMESPACE_RETENTION:-72h}"
  retry 60 "$CLI" operator cluster health --address "$ADDRESS" >/dev/null
  if temporal_cli operator namespace describe >/dev/null 2>&1; then
    retry 10 temporal_cli operator namespace update --retention "$retention" >/dev/null
  else
    retry 10 temporal_cli operator namespace create --retention "$retention"
  fi
  # A new namespace takes a moment to reach every frontend's cache: retry until the attributes show.
  ADDED=""
  retry 20 register_search_attributes
  retry 20 search_attributes_registered
  # Each server role caches the attributes for up to 60 s: until then a role that loaded them before may
  # refuse the new ones. Roles started after this step see them at once (BOOTSTRAP_SETTLE_SECONDS=0).
  settle="${BOOTSTRAP_SETTLE_SECONDS:-60}"
  if [ -n "$ADDED" ] && [ "$settle" -gt 0 ]; then
    echo "bootstrap: added$ADDED; waiting ${settle}s until every server role's cache has them" >&2
    sleep "$settle"
  fi
  echo "bootstrap: namespace $NAMESPACE (retention $retention) has search attributes $SEARCH_ATTRIBUTES"
}

case "${1:-}" in
  schema) schema ;;
  namespace) namespace ;;
  all) schema && namespace ;;
  *) echo "usage: $0 schema|namespace|all" >&2; exit 2 ;;
esac
