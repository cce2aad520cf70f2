#!/usr/bin/env bash
# Run once by the postgres image when it creates its database (docker-entrypoint-initdb.d): lets
# the optional postgres-replica service of docker-compose.yml stream the WAL, with the same
# password as every other connection.
set -euo pipefail
echo "host replication ${POSTGRES_USER:-postgres} all scram-sha-256" >> "$PGDATA/pg_hba.conf"
