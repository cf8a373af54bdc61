"""A SQLite import of many tables runs each CREATE against a schema of bounded size (SQLite's cost
per DDL statement grows with the schema it holds, so a growing schema makes the build quadratic),
and leaves exactly the database a plain build leaves."""
import sqlite3

import pytest

from azext_bacpac.engines import sqlite_import
from azext_bacpac.engines.sqlite_parking import BATCH, SchemaParking
from azext_bacpac.pipelines.export import export_database
from azext_bacpac.pipelines.importing import import_package

TABLES = 300


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    folder = tmp_path_factory.mktemp("source")
    conn = sqlite3.connect(folder / "many.sqlite")
    conn.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE)")
    conn.execute("INSERT INTO parent VALUES (1, 'a')")
    for i in range(TABLES):
        conn.execute(f"CREATE TABLE t{i:03d} (id INTEGER PRIMARY KEY, parent INT REFERENCES parent (id), "
                     f"name NVARCHAR(20) NOT NULL UNIQUE, amount DECIMAL(10, 2))")
        conn.execute(f"CREATE INDEX ix_t{i:03d} ON t{i:03d} (amount)")
        conn.execute(f"INSERT INTO t{i:03d} VALUES (1, 1, 'row {i}', 12.5), (2, NULL, 'other', NULL)")
    conn.commit()
    conn.close()
    out = tmp_path_factory.mktemp("out") / "many.bacpac"
    export_database(f"sqlite:///{folder}", "many", str(out), workers=0)
    return out


class _Watched(sqlite3.Connection):
    """Notes how many schema rows SQLite holds when each CREATE statement starts."""
    sizes = []

    def execute(self, sql, *args):
        if sql.lstrip().upper().startswith("CREATE"):
            _Watched.sizes.append(super().execute("SELECT count(*) FROM sqlite_master").fetchone()[0])
        return super().execute(sql, *args)


def _import(package, folder, monkeypatch):
    folder.mkdir(exist_ok=True)
    connect = sqlite3.connect
    monkeypatch.setattr(sqlite_import.sqlite3, "connect", lambda *a, **k: connect(*a, factory=_Watched, **k))
    _Watched.sizes = []
    import_package(str(package), f"sqlite:///{folder}", "many", workers=0)
    monkeypatch.undo()
    return sqlite3.connect(folder / "many.sqlite")


def _schema(conn):
    return conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid").fetchall()


def _data(conn):
    names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                        "AND name NOT LIKE '\\_\\_bacpac%' ESCAPE '\\' ORDER BY name")]
    return {name: conn.execute(f'SELECT * FROM "{name}" ORDER BY 1').fetchall() for name in names}


def test_each_create_meets_a_small_schema_and_the_result_is_a_plain_build(package, tmp_path, monkeypatch):
    parked = _import(package, tmp_path / "parked", monkeypatch)
    sizes = _Watched.sizes
    assert len(sizes) >= 2 * TABLES                       # every table and every index was created here
    assert max(sizes) <= BATCH * 2 + 10                   # not the ~4 rows per table a plain build holds

    monkeypatch.setattr(SchemaParking, "_writable", lambda self: False)    # as under SQLITE_DBCONFIG_DEFENSIVE
    plain = _import(package, tmp_path / "plain", monkeypatch)
    assert max(_Watched.sizes) > 3 * TABLES               # the unparked build: the schema grows with each table

    assert parked.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert _schema(parked) == _schema(plain)
    assert _data(parked) == _data(plain)
    assert _data(parked)["t007"] == [(1, 1, "row 7", 12.5), (2, None, "other", None)]
    assert parked.execute("SELECT count(*) FROM pragma_index_list('t299')").fetchone() == (2,)
    # the catalog was written from the whole schema: a re-export reads it back unchanged
    assert parked.execute("SELECT count(*) FROM __bacpac_tables").fetchone() == (TABLES + 1,)


def test_a_database_whose_build_was_parked_reopens_with_every_table(package, tmp_path, monkeypatch):
    _import(package, tmp_path, monkeypatch).close()
    conn = sqlite3.connect(tmp_path / "many.sqlite")
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 't%'").fetchone() \
        == (TABLES,)
    assert conn.execute("SELECT name FROM t123 WHERE name = 'row 123'").fetchall() == [("row 123",)]
    conn.execute("INSERT INTO t123 (id, name) VALUES (3, 'new')")        # the UNIQUE index is live
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO t123 (id, name) VALUES (4, 'new')")
