# Shared by scripts/quickstart.sh, scripts/test.sh and scripts/az.sh (sourced, not run).
#
# Creates the project's virtual environment if needed, installs what is missing into it, loads the
# extension in development mode and points az at a project-local configuration folder:
#   .venv/                         python -m venv; azure-cli, plus pytest/hypothesis for tests
#   bacpac.egg-info/               from `pip install --no-deps -e .` (az finds dev extensions by it)
#   build/dev-extensions/bacpac -> the repository: AZURE_EXTENSION_DEV_SOURCES=build/dev-extensions,
#                                  so the dev extension is named `bacpac` whatever the checkout's name
#   out/azure-config/              AZURE_CONFIG_DIR: az never touches ~/.azure
#   out/operations/                AZEXT_BACPAC_OPERATIONS_DIR: the operation store
# Override with BACPAC_VENV, BACPAC_PYTHON, BACPAC_AZURE_CONFIG_DIR, AZURE_CLI_VERSION.

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${BACPAC_VENV:-$REPO/.venv}"
PYTHON="${BACPAC_PYTHON:-python3}"
AZURE_CLI_VERSION="${AZURE_CLI_VERSION:-2.91.0}"
DEV_SOURCES="$REPO/build/dev-extensions"

say() { printf '\n==> %s\n' "$*" >&2; }

ensure_venv() {
    if [ ! -x "$VENV/bin/python" ]; then
        say "Creating the virtual environment $VENV"
        if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
            rm -rf "$VENV"
            if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
                say "Installing python3-venv (Debian)"
                apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
                "$PYTHON" -m venv "$VENV"
            else
                echo "error: '$PYTHON -m venv' failed; install python3-venv (sudo apt-get install python3-venv)" >&2
                exit 1
            fi
        fi
        "$VENV/bin/python" -m pip install -q --upgrade pip
    fi
}

ensure_azure_cli() {
    if [ ! -x "$VENV/bin/az" ] || ! "$VENV/bin/python" -c "import azure.cli.command_modules.sql" >/dev/null 2>&1; then
        say "Installing azure-cli $AZURE_CLI_VERSION (about 1.5 minutes)"
        "$VENV/bin/python" -m pip install -q "azure-cli==$AZURE_CLI_VERSION"
    fi
}

# unixODBC: pyodbc's wheels link the system's libodbc.so.2 (Debian: unixodbc).
ensure_unixodbc() {
    if ! ldconfig -p 2>/dev/null | grep -q 'libodbc\.so\.2' && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "Installing unixODBC (Debian unixodbc), which pyodbc needs"
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq unixodbc >/dev/null) || true
    fi
}

# Test tools: scripts/requirements-test.txt, installed again whenever that file changes.
ensure_test_tools() {
    local wanted stamp="$VENV/.bacpac-test-requirements"
    wanted="$(cat "$REPO/scripts/requirements-test.txt")"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
        say "Installing the test tools (scripts/requirements-test.txt)"
        "$VENV/bin/python" -m pip install -q -r "$REPO/scripts/requirements-test.txt"
        printf '%s' "$wanted" >"$stamp"
    fi
}

# The extension in development mode: egg-info beside setup.py, and a dev-sources folder whose only
# entry, named after the extension, points at the repository.
ensure_extension() {
    if [ ! -d "$REPO/bacpac.egg-info" ] || [ "$REPO/setup.py" -nt "$REPO/bacpac.egg-info" ] \
            || ! "$VENV/bin/python" -c "import importlib.metadata as m; m.version('bacpac')" >/dev/null 2>&1; then
        say "Installing the extension in development mode (pip install --no-deps -e .)"
        mkdir -p "$REPO/out"
        if ! "$VENV/bin/python" -m pip install -q --no-deps -e "$REPO" >"$REPO/out/pip-editable.log" 2>&1; then
            cat "$REPO/out/pip-editable.log" >&2
            exit 1
        fi
        touch "$REPO/bacpac.egg-info"
    fi
    mkdir -p "$DEV_SOURCES"
    ln -sfn ../.. "$DEV_SOURCES/bacpac"
    ensure_native
}

# The optional C fast paths (azext_bacpac/native/*.c), built in place whenever a source is newer
# than its module. They need gcc, Python's headers and SQLite's (libsqlite3-dev); without them the
# pure-Python paths run (slower, same results).
ensure_native() {
    local source module stale=""
    for source in "$REPO"/azext_bacpac/native/*.c; do
        module="$(ls "${source%.c}".cpython-*.so 2>/dev/null | head -n 1)"
        if [ -z "$module" ] || [ "$source" -nt "$module" ] \
                || [ -n "$(find "$REPO/azext_bacpac/native" -name '*.h' -newer "$module")" ]; then
            stale=1
        fi
    done
    [ -n "$stale" ] || return 0
    if [ ! -f /usr/include/sqlite3.h ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "Installing SQLite's headers (Debian libsqlite3-dev)"
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libsqlite3-dev >/dev/null) || true
    fi
    say "Building the native fast paths (azext_bacpac/native)"
    mkdir -p "$REPO/out"
    if ! (cd "$REPO" && "$VENV/bin/python" setup.py -q build_ext --inplace) >"$REPO/out/build-native.log" 2>&1; then
        echo "warning: the native fast paths did not build (out/build-native.log); the pure-Python paths run" >&2
    fi
}

az_env() {
    export AZURE_EXTENSION_DEV_SOURCES="$DEV_SOURCES"
    export AZURE_CONFIG_DIR="${BACPAC_AZURE_CONFIG_DIR:-$REPO/out/azure-config}"
    export AZEXT_BACPAC_OPERATIONS_DIR="${AZEXT_BACPAC_OPERATIONS_DIR:-$REPO/out/operations}"
    export AZURE_CORE_COLLECT_TELEMETRY=false
    export AZURE_CORE_NO_COLOR=true
    mkdir -p "$AZURE_CONFIG_DIR"
    export PATH="$VENV/bin:$PATH"
}
