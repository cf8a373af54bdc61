#!/usr/bin/env bash
# Run the project's az (from .venv) with the extension loaded in development mode and a
# project-local AZURE_CONFIG_DIR, e.g.  ./scripts/az.sh sql db bacpac inspect --storage-uri x.bacpac -o table
# Run ./scripts/quickstart.sh (or ./scripts/test.sh) once first to install everything.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"
if [ ! -x "$VENV/bin/az" ]; then
    echo "error: $VENV/bin/az is missing; run ./scripts/quickstart.sh first" >&2
    exit 1
fi
ensure_extension
az_env
exec "$VENV/bin/az" "$@"
