#!/bin/sh
# One-shot (temporalio/admin-tools), once the Temporal server is healthy: the namespace Baton uses and
# Baton's search attributes. Safe to run on every `docker compose up`.
set -eu
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
RETENTION="${TEMPORAL_NAMESPACE_RETENTION:-72h}"
ADDRESS="${TEMPORAL_ADDRESS:-temporal:7233}"
HOST="${ADDRESS%:*}"
PORT="${ADDRESS##*:}"
# Like Temporal's own compose samples: dial the IPv4 address, the server listens on 0.0.0.0.
IP="$(getent ahosts "$HOST" | awk '/STREAM/ { print $1; exit }')"
ADDRESS="${IP:-$HOST}:$PORT"

retry() {
  attempts="$1"; shift
  i=1
  until "$@"; do
    [ "$i" -ge "$attempts" ] && { echo "gave up after $attempts attempts: $*" >&2; return 1; }
    echo "not yet ($i/$attempts): $*"
    i=$((i + 1))
    sleep 3
  done
}

retry 40 temporal operator cluster health --address "$ADDRESS"

if ! temporal operator namespace describe --address "$ADDRESS" --namespace "$NAMESPACE" >/dev/null 2>&1; then
  retry 10 temporal operator namespace create --address "$ADDRESS" --namespace "$NAMESPACE" --retention "$RETENTION"
fi

has_search_attributes() {
  list="$(temporal operator search-attribute list --address "$ADDRESS" --namespace "$NAMESPACE")" || return 1
  echo "$list" | grep -qw CustomerId && echo "$list" | grep -qw OrderStatus
}
create_search_attributes() {
  has_search_attributes || temporal operator search-attribute create --address "$ADDRESS" --namespace "$NAMESPACE" \
    --name CustomerId --type Keyword --name OrderStatus --type Keyword
}
# A new namespace takes a moment to reach every cache: retry until the attributes are there.
retry 20 create_search_attributes
retry 10 has_search_attributes
echo "namespace $NAMESPACE is ready with search attributes CustomerId, OrderStatus"
