"""The SQLite engine's file rules: never overwrite, never half-publish, report locks clearly."""
import io
import os
import sqlite3
import stat

import pytest

from azext_bacpac.engines import SqliteEngine
from azext_bacpac.errors import ConflictError, EngineError
from azext_bacpac.format.package import PackageReader
from tests.vectors import import_vector, vector_bytes


def _import(engine, name, vector="gamerental-extracted"):
    import_vector(engine, name, vector)


def test_import_publishes_a_file_as_the_umask_says_and_no_temp(tmp_path):
    from azext_bacpac.filemodes import current_umask
    _import(SqliteEngine(tmp_path), "games")
    assert sorted(os.listdir(tmp_path)) == ["games.sqlite"]
    if os.name == "posix":
        assert stat.S_IMODE((tmp_path / "games.sqlite").stat().st_mode) == 0o666 & ~current_umask()
    conn = sqlite3.connect(tmp_path / "games.sqlite")
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)    # an ordinary file afterwards
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_database_with_tables_is_never_replaced(tmp_path):
    path = tmp_path / "games.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE mine (x)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(ConflictError, match="already exists .* holds 1"):
        _import(SqliteEngine(tmp_path), "games")
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["games.sqlite"]


@pytest.mark.parametrize("content", [b"", "empty database"])
def test_an_empty_database_may_be_replaced(tmp_path, content):
    path = tmp_path / "games.sqlite"
    if content == b"":
        path.write_bytes(b"")
    else:
        sqlite3.connect(path).execute("PRAGMA user_version = 1").close()
    _import(SqliteEngine(tmp_path), "games")
    tables = sqlite3.connect(path).execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0]
    assert tables > 2


def test_a_file_that_is_not_a_database_is_never_replaced(tmp_path):
    (tmp_path / "games.sqlite").write_bytes(b"my notes")
    with pytest.raises(ConflictError, match="not an empty SQLite database"):
        _import(SqliteEngine(tmp_path), "games")
    assert (tmp_path / "games.sqlite").read_bytes() == b"my notes"


def test_a_database_created_during_the_import_wins(tmp_path):
    engine = SqliteEngine(tmp_path)
    with PackageReader(io.BytesIO(vector_bytes("gamerental-extracted"))) as reader:
        with pytest.raises(ConflictError):
            with engine.import_target("games") as target:
                target.create_schema(reader.model, reader.model.tables)
                target.finish({"model.xml": reader.model_bytes})
                conn = sqlite3.connect(tmp_path / "games.sqlite")
                conn.execute("CREATE TABLE theirs (x)")
                conn.commit()
                conn.close()
                target.commit()
    assert sorted(os.listdir(tmp_path)) == ["games.sqlite"]
    names = sqlite3.connect(tmp_path / "games.sqlite").execute("SELECT name FROM sqlite_master").fetchall()
    assert names == [("theirs",)]


def test_failure_mid_build_leaves_nothing(tmp_path):
    engine = SqliteEngine(tmp_path)
    with PackageReader(io.BytesIO(vector_bytes("gamerental-extracted"))) as reader:
        with pytest.raises(RuntimeError):
            with engine.import_target("games") as target:
                target.create_schema(reader.model, reader.model.tables)
                raise RuntimeError("disk on fire")
    assert os.listdir(tmp_path) == []


def test_locked_database_is_an_engine_error(tmp_path):
    _import(SqliteEngine(tmp_path), "games")
    writer = sqlite3.connect(tmp_path / "games.sqlite", isolation_level=None)
    writer.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(EngineError, match="locked by another process"):
            with SqliteEngine(tmp_path, busy_timeout=0.05).export_source("games"):
                pass
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_export_reads_in_bounded_batches(tmp_path):
    conn = sqlite3.connect(tmp_path / "big.sqlite")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    conn.executemany("INSERT INTO t (v) VALUES (?)", [(str(i),) for i in range(5000)])
    conn.commit()
    conn.close()
    with SqliteEngine(tmp_path).export_source("big") as source:
        batches = list(source.row_batches("[dbo].[t]", batch_rows=1000))
    assert [len(b) for b in batches] == [1000] * 5
    assert batches[0][0] == (1, "0") and batches[-1][-1] == (5000, "4999")


def test_a_file_that_is_not_sqlite_cannot_be_exported(tmp_path):
    (tmp_path / "junk.sqlite").write_bytes(b"x" * 4096)
    with pytest.raises(EngineError, match="not a valid SQLite database"):
        with SqliteEngine(tmp_path).export_source("junk"):
            pass


@pytest.mark.skipif(os.name != "posix", reason="process liveness is checked on POSIX only")
def test_temporary_files_of_killed_imports_are_cleaned_up(tmp_path):
    dead = tmp_path / ".games.sqlite.importing-4206649"          # above Linux's largest pid
    dead.write_bytes(b"half")
    alive = tmp_path / f".games.sqlite.importing-{os.getppid()}"
    alive.write_bytes(b"someone is building this")
    _import(SqliteEngine(tmp_path), "games")
    assert sorted(os.listdir(tmp_path)) == [alive.name, "games.sqlite"]
