"""Odd files as --storage-uri, and outputs an export must not write over (issue: hostile packages, odd
files). Real az processes: a FIFO would hang them and a character device would never end, so only a
separate process with a timeout proves that neither happens."""
import os
import sqlite3
import stat

import pytest

from .test_real_az import az_cli  # noqa: F401 - the fixture


@pytest.fixture
def sqlite_db(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    with sqlite3.connect(folder / "shop.sqlite") as conn:
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        conn.executemany("INSERT INTO t VALUES (?, ?)", [(i, str(i)) for i in range(5)])
    return folder


def _odd(tmp_path, kind):
    path = tmp_path / f"odd-{kind}.bacpac"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "chardev":
        os.symlink("/dev/zero", path)            # a character device that never ends
    elif kind == "folder":
        path.mkdir()
    elif kind == "dangling":
        os.symlink(tmp_path / "nowhere.bacpac", path)
    return path


MESSAGES = {"fifo": "a FIFO (named pipe), not a file", "chardev": "a character device, not a file",
            "folder": "is a folder", "dangling": "is a symbolic link to"}


@pytest.mark.parametrize("kind", ["fifo", "chardev", "folder", "dangling"])
def test_inspect_and_import_refuse_what_is_not_a_file_at_once(az_cli, tmp_path, sqlite_db, kind):  # noqa: F811
    path = _odd(tmp_path, kind)
    inspected = az_cli("sql", "db", "bacpac", "inspect", "--storage-uri", path, check=False)
    assert inspected.returncode in (1, 2, 3) and MESSAGES[kind] in inspected.stderr, inspected.stderr
    assert "Traceback" not in inspected.stderr
    imported = az_cli("sql", "db", "bacpac", "import", "-s", f"sqlite:///{sqlite_db}", "-n", "copy",
                      "--storage-uri", path, check=False)
    assert imported.returncode in (1, 2, 3) and MESSAGES[kind] in imported.stderr, imported.stderr
    assert not (sqlite_db / "copy.sqlite").exists()


@pytest.mark.parametrize("kind", ["fifo", "chardev", "folder", "dangling"])
def test_export_never_writes_over_what_is_not_a_file(az_cli, tmp_path, sqlite_db, kind):  # noqa: F811
    path = _odd(tmp_path, kind)
    exported = az_cli("sql", "db", "bacpac", "export", "-s", f"sqlite:///{sqlite_db}", "-n", "shop",
                      "--storage-uri", path, "--overwrite", check=False)
    assert exported.returncode in (1, 2) and MESSAGES[kind] in exported.stderr, exported.stderr
    if kind == "fifo":
        assert stat.S_ISFIFO(os.lstat(path).st_mode)
    elif kind in ("chardev", "dangling"):
        assert os.path.islink(path)


def test_export_over_its_own_source_is_refused_however_it_is_spelled(az_cli, tmp_path, sqlite_db):  # noqa: F811
    source = sqlite_db / "shop.sqlite"
    before = source.read_bytes()
    link = tmp_path / "alias.bacpac"
    os.symlink(source, link)
    for output in (source, link, sqlite_db / ".." / "data" / "shop.sqlite"):
        exported = az_cli("sql", "db", "bacpac", "export", "-s", f"sqlite:///{sqlite_db}", "-n", "shop",
                          "--storage-uri", output, "--overwrite", check=False)
        assert exported.returncode in (1, 2) and "is the database 'shop' being exported" in exported.stderr, \
            exported.stderr
    assert source.read_bytes() == before
    with sqlite3.connect(source) as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 5


def test_a_file_that_is_not_a_bacpac_is_named_and_not_offered_overwrite(az_cli, tmp_path, sqlite_db):  # noqa: F811
    notes = tmp_path / "notes.bacpac"
    notes.write_text("my notes")
    exported = az_cli("sql", "db", "bacpac", "export", "-s", f"sqlite:///{sqlite_db}", "-n", "shop",
                      "--storage-uri", notes, check=False)
    assert exported.returncode == 1 and "is a file that is not a BACPAC" in exported.stderr, exported.stderr
    assert "--overwrite" not in exported.stderr and notes.read_text() == "my notes"
