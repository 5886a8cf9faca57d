#!/bin/sh
# Runs once, when the postgres volume is first initialised (/docker-entrypoint-initdb.d): one login role and one
# database per Warden component that keeps state here, so the runtime (checkpoints) and the tools (ledgers) cannot
# touch the gate's totals, holds, rate-limit counters or approvals, nor each other's. Passwords come from secrets
# (deploy/postgres/passwords.py).
set -eu
for component in gate runtime tools; do
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
       -v role="warden_${component}" -v pw="$(cat "/run/secrets/postgres_${component}_password")" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'pw';
CREATE DATABASE :"role" OWNER :"role";
REVOKE ALL ON DATABASE :"role" FROM PUBLIC;
SQL
done
