#!/usr/bin/env bash
# One command sets up and runs every test:
#   creates .venv if missing, installs azure-cli, pytest and hypothesis, loads the extension in
#   development mode, then runs `python -m pytest -q tests` (extra arguments go to pytest).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

ensure_venv
ensure_azure_cli
ensure_unixodbc
ensure_test_tools
ensure_extension
az_env

cd "$REPO"
say "python -m pytest -q tests $*"
exec "$VENV/bin/python" -m pytest -q tests "$@"
