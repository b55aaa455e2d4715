#!/usr/bin/env bash
# Starts a local PostgreSQL server for the reference server's tests, installing it from Debian's
# packages if needed, creates a role and a database for them, and prints the database's URL on
# stdout (and nothing else there: progress goes to stderr):
#
#   export TEST_DATABASE_URL="$(bash examples/server/ci-postgres.sh)"
#   cargo test --workspace
#
# Idempotent: a second run reuses the server, role and database. For Debian (bookworm), as root.
# PGTEST_ROLE, PGTEST_PASSWORD and PGTEST_DATABASE override the names.
set -euo pipefail

role="${PGTEST_ROLE:-adyen_webhook}"
password="${PGTEST_PASSWORD:-adyen_webhook}"
database="${PGTEST_DATABASE:-adyen_webhook_test}"

log() { echo "ci-postgres: $*" >&2; }

if [ "$(id -u)" != 0 ]; then
    log "run me as root: I install and start PostgreSQL"
    exit 1
fi

if ! command -v pg_lsclusters >/dev/null || ! compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null; then
    log "installing PostgreSQL from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
fi

# Debian's package creates a cluster (15/main on bookworm); make one if it is gone.
if [ -z "$(pg_lsclusters -h)" ]; then
    version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
    log "creating cluster $version/main"
    pg_createcluster "$version" main >&2
fi
read -r version cluster port status _ < <(pg_lsclusters -h | head -n 1)
case "$status" in
    online*) ;;
    *)
        log "starting cluster $version/$cluster on port $port"
        pg_ctlcluster "$version" "$cluster" start >&2
        ;;
esac

as_postgres() { (cd /tmp && runuser -u postgres -- "$@"); }

for _ in $(seq 1 30); do
    as_postgres pg_isready -q -h 127.0.0.1 -p "$port" && break
    sleep 1
done
as_postgres pg_isready -q -h 127.0.0.1 -p "$port" || {
    log "PostgreSQL does not accept connections on 127.0.0.1:$port"
    exit 1
}

sql() { as_postgres psql -p "$port" -v ON_ERROR_STOP=1 -qAtX "$@"; }

if [ "$(sql -c "SELECT 1 FROM pg_roles WHERE rolname = '$role'")" != 1 ]; then
    log "creating role $role"
    sql -c "CREATE ROLE \"$role\" LOGIN PASSWORD '$password'" >&2
fi
if [ "$(sql -c "SELECT 1 FROM pg_database WHERE datname = '$database'")" != 1 ]; then
    log "creating database $database"
    sql -c "CREATE DATABASE \"$database\" OWNER \"$role\"" >&2
fi

log "ready"
echo "postgres://$role:$password@127.0.0.1:$port/$database"
