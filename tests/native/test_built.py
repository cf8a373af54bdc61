"""The native fast paths are optional for users, but CI must build and test them: a build that
silently failed would leave every differential test skipped and the benchmark on the slow path."""
import os
import sqlite3

import pytest

from azext_bacpac import native


@pytest.mark.skipif(not os.environ.get("CI"), reason="outside CI the compiled modules are optional")
def test_ci_builds_every_native_module():
    folder = os.path.dirname(native.__file__)
    sources = sorted(name[:-2] for name in os.listdir(folder) if name.endswith(".c"))
    assert sources, "no C sources found"
    missing = [name for name in sources if native.module(name) is None]
    assert not missing, f"not built or not loadable: {missing} (see out/build-native.log)"


def test_switch_turns_the_modules_off(monkeypatch):
    monkeypatch.setenv(native.ENVIRONMENT_SWITCH, "0")
    assert native.module("_handle") is None
    assert not native.connection_ok(sqlite3.connect(":memory:"))


@pytest.mark.skipif(native.module("_handle") is None, reason="native modules not built")
def test_handle_is_the_connections_own(tmp_path):
    handle = native.module("_handle")
    path = tmp_path / "a.db"
    conn = sqlite3.connect(path, isolation_level=None)
    assert native.connection_ok(conn)
    assert handle.db_filename(conn) == str(path)
    assert handle.in_transaction(conn) is False
    conn.execute("BEGIN")
    assert handle.in_transaction(conn) is True
    conn.close()
    with pytest.raises(ValueError):
        handle.db_filename(conn)
    with pytest.raises(TypeError):
        handle.db_filename(object())
