"""The wheel users install with `az extension add`: pure Python (it installs into any az, whatever
its Python), carrying the C sources, and native/build.py compiling them where az installed it."""
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import compare_dbs
import make_sample_db

REPO = Path(__file__).resolve().parents[2]
AZ = Path(sys.executable).with_name("az")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    process = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                              "-w", str(out), str(REPO)], capture_output=True, text=True, timeout=300)
    assert process.returncode == 0, process.stderr[-3000:]
    wheels = list(out.glob("*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_the_wheel_is_pure_python_and_carries_the_c_sources(wheel):
    assert wheel.name == "bacpac-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    native = {name.rsplit("/", 1)[1] for name in names if name.startswith("azext_bacpac/native/")}
    sources = {path.name for path in (REPO / "azext_bacpac" / "native").iterdir() if path.suffix in (".c", ".h")}
    assert sources and sources <= native
    assert {"build.py", "__init__.py"} <= native
    assert not [name for name in names if name.endswith((".so", ".pyd", ".dylib"))]


@pytest.fixture()
def installed(wheel, tmp_path):
    """`az extension add --source <wheel>` into a fresh az (its own config and extension folders)."""
    if not AZ.exists():
        if os.environ.get("CI"):
            pytest.fail("the full azure-cli (az) is not installed in this environment")
        pytest.skip("the full azure-cli (az) is not installed beside this Python")
    env = {k: v for k, v in os.environ.items()
           if k not in ("AZURE_EXTENSION_DEV_SOURCES", "AZURE_CORE_OUTPUT") and not k.startswith("AZEXT_BACPAC_")}
    env.update(AZURE_CONFIG_DIR=str(tmp_path / "config"), AZURE_EXTENSION_DIR=str(tmp_path / "extensions"),
               AZURE_CORE_COLLECT_TELEMETRY="false", AZURE_CORE_NO_COLOR="true")

    def az(*args):
        process = subprocess.run([str(AZ), *map(str, args)], env=env, stdin=subprocess.DEVNULL,
                                 capture_output=True, text=True, timeout=300)
        assert process.returncode == 0, process.stderr[-3000:]
        return process.stdout

    az("extension", "add", "--source", wheel, "-y")
    listed = [e for e in json.loads(az("extension", "list", "-o", "json")) if e["name"] == "bacpac"]
    assert listed and listed[0]["extensionType"] == "whl"
    return az, tmp_path / "extensions" / "bacpac", env


def _native_state(root, env):
    """{module: loaded?} as the installed extension sees it, and where it was imported from."""
    code = ("import json, azext_bacpac.native as n; "
            "print(json.dumps([n.__file__, {m: n.module(m) is not None for m in ('_encode', '_load', '_scan')}]))")
    process = subprocess.run([sys.executable, "-c", code], env=dict(env, PYTHONPATH=str(root)), cwd=root.parent,
                             capture_output=True, text=True, timeout=120)
    assert process.returncode == 0, process.stderr[-3000:]
    return json.loads(process.stdout)


def test_az_extension_add_then_build_then_export_and_import(installed, tmp_path):
    az, root, env = installed
    where, loaded = _native_state(root, env)
    assert where.startswith(str(root)) and not any(loaded.values())     # a pure-Python install first

    build = root / "azext_bacpac" / "native" / "build.py"
    process = subprocess.run([sys.executable, str(build)], capture_output=True, text=True, timeout=600)
    assert process.returncode == 0, process.stdout + process.stderr
    for name in ("_encode", "_handle", "_load", "_scan"):
        assert f"{name}: {root}" in process.stdout
    where, loaded = _native_state(root, env)
    assert where.startswith(str(root)) and all(loaded.values())

    folder = tmp_path / "data"
    make_sample_db.build(str(folder / "shop.sqlite"), scale=0.1, seed=5)
    server, bacpac = f"sqlite:///{folder}", tmp_path / "shop.bacpac"
    assert json.loads(az("sql", "db", "bacpac", "export", "-s", server, "-n", "shop",
                         "--storage-uri", bacpac))["status"] == "Completed"
    assert json.loads(az("sql", "db", "bacpac", "import", "-s", server, "-n", "copy",
                         "--storage-uri", bacpac))["status"] == "Completed"
    problems, _ = compare_dbs.compare(str(folder / "shop.sqlite"), str(folder / "copy.sqlite"))
    assert problems == []


def test_az_extension_add_brings_the_sql_server_driver_stack(installed):
    """pyodbc and Microsoft ODBC Driver 18 (mssql-python's mssql_python_odbc) install with the extension,
    into az's extension folder, and the engine finds the driver there."""
    _, root, env = installed
    assert list(root.glob("pyodbc*.so")) or list(root.glob("pyodbc*.pyd"))
    assert (root / "mssql_python_odbc").is_dir()
    code = ("from azext_bacpac.engines.sqlserver.connect import find_driver; d = find_driver(); "
            "print(d.source + '|' + d.name)")
    process = subprocess.run([sys.executable, "-c", code], env=dict(env, PYTHONPATH=str(root)), cwd=root.parent,
                             capture_output=True, text=True, timeout=120)
    assert process.returncode == 0, process.stderr[-3000:]
    source, path = process.stdout.strip().split("|")
    assert source == "mssql-python wheel" and path.startswith(str(root / "mssql_python_odbc"))
