#!/usr/bin/env bash
# One command, on a fresh machine (Debian 12, Python 3.11): set everything up and run the main job
# on the embedded default engine (SQLite):
#   1. .venv with azure-cli, and this extension loaded in development mode (scripts/_common.sh)
#   2. a sample SQLite database with varied types (scripts/make_sample_db.py)
#   3. az sql db bacpac export          -> out/quickstart/sales.bacpac
#   4. az sql db bacpac inspect -o table
#   5. az sql db bacpac import          -> a new database, sales_copy
#   6. compare both databases: tables, row counts and every value (scripts/compare_dbs.py)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

ensure_venv
ensure_azure_cli
ensure_extension
az_env

WORK="$REPO/out/quickstart"
rm -rf "$WORK"
mkdir -p "$WORK/data"
SERVER="sqlite:///$WORK/data"
BACPAC="$WORK/sales.bacpac"

say "Creating a sample database: $WORK/data/sales.sqlite"
"$VENV/bin/python" "$REPO/scripts/make_sample_db.py" "$WORK/data/sales.sqlite"

say "az sql db bacpac export -s $SERVER -n sales --storage-uri $BACPAC"
az sql db bacpac export -s "$SERVER" -n sales --storage-uri "$BACPAC" \
    --query '{status: status, state: state, name: name, tables: summary.tables, rows: summary.rows, packageBytes: summary.packageBytes, seconds: summary.elapsedSeconds}'

say "az sql db bacpac inspect --storage-uri $BACPAC -o table"
az sql db bacpac inspect --storage-uri "$BACPAC" -o table

say "az sql db bacpac import -s $SERVER -n sales_copy --storage-uri $BACPAC"
az sql db bacpac import -s "$SERVER" -n sales_copy --storage-uri "$BACPAC" \
    --query '{status: status, state: state, name: name, tables: summary.tables, rows: summary.rows, seconds: summary.elapsedSeconds}'

say "Comparing sales and sales_copy"
"$VENV/bin/python" "$REPO/scripts/compare_dbs.py" "$WORK/data/sales.sqlite" "$WORK/data/sales_copy.sqlite"

say "Done. Try it yourself with ./scripts/az.sh sql db bacpac --help"
