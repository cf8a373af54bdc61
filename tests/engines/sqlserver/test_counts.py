"""Row counts: an estimate never decides what is read, and every table's rows are counted after the move."""
import pytest

from azext_bacpac import pipelines
from azext_bacpac.errors import EngineError
from azext_bacpac.format.errors import DataError
from azext_bacpac.format.package import PackageReader

from .conftest import make_engine
from .fakedb import FakeServer
from .recorded import shop, with_facts
from .test_deployment import export_to, import_into


def test_a_table_the_statistics_call_empty_is_read_all_the_same(tmp_path, monkeypatch):
    database = shop()
    database.partition_counts = {"[dbo].[Customers]": 0, "[sales].[Orders]": 0}   # sys.partitions is approximate
    path, summary = export_to(database, tmp_path, monkeypatch)
    assert summary["rows"] == 4
    with PackageReader(str(path)) as reader:
        assert len(list(reader.rows(reader.table("dbo", "Customers")))) == 2


def test_an_export_whose_rows_do_not_match_the_source_fails_when_it_read_one_snapshot(tmp_path, monkeypatch):
    database = shop()
    database.changed_rows = {"[sales].[Orders]": 1}
    with pytest.raises(EngineError, match=r"table \[sales\]\.\[Orders\]: 2 rows were written but the source holds 3"):
        export_to(database, tmp_path, monkeypatch)
    assert not list(tmp_path.glob("*.bacpac")) and not list(tmp_path.iterdir())


def test_without_a_snapshot_a_count_that_moved_is_a_warning(tmp_path, monkeypatch):
    database = shop(facts=with_facts(snapshot_isolation_state=0, engine_edition=5))
    database.changed_rows = {"[sales].[Orders]": 1}
    _, summary = export_to(database, tmp_path, monkeypatch)
    assert any("[sales].[Orders]: 2 rows were written but the source holds 3" in w and "not transactionally" in w
               for w in summary["warnings"])


def test_rows_a_server_drops_without_an_error_fail_the_import_and_undo_it(tmp_path, monkeypatch):
    path, _ = export_to(shop(), tmp_path, monkeypatch)
    fake = FakeServer()
    fake.lose_rows = {"[sales].[Orders]": 1}
    with pytest.raises(DataError, match=r"table \[sales\]\.\[Orders\]: 2 rows of the package were sent but the target "
                                        r"holds 1"):
        import_into(fake, path, "ShopCopy", monkeypatch)
    assert "ShopCopy" not in fake.databases                       # the database it created is dropped
    assert "DROP DATABASE [ShopCopy]" in fake.sql("master")


def test_every_table_is_counted_after_its_load(tmp_path, monkeypatch):
    path, _ = export_to(shop(), tmp_path, monkeypatch)
    fake = FakeServer()
    import_into(fake, path, "ShopCopy", monkeypatch)
    counted = [s for s in fake.sql("ShopCopy") if s.startswith("/* bacpac:loaded_rows */")]
    assert counted == ["/* bacpac:loaded_rows */ SELECT COUNT_BIG(*) AS row_count FROM [dbo].[Customers]",
                       "/* bacpac:loaded_rows */ SELECT COUNT_BIG(*) AS row_count FROM [sales].[Orders]"]


def test_sqlite_imports_count_their_rows_too(tmp_path, monkeypatch):
    import sqlite3
    source = tmp_path / "src"
    source.mkdir()
    with sqlite3.connect(source / "db.sqlite") as conn:
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        conn.executemany("INSERT INTO t VALUES (?, ?)", [(i, str(i)) for i in range(10)])
    package = tmp_path / "db.bacpac"
    pipelines.export_database(f"sqlite:///{source}", "db", str(package))
    from azext_bacpac.engines import sqlite_import

    def short(self, full_name, real=sqlite_import.SqliteImportTarget.loaded_rows):
        return real(self, full_name) - 1                      # as if a row had gone missing
    target = tmp_path / "dst"
    target.mkdir()
    monkeypatch.setattr(sqlite_import.SqliteImportTarget, "loaded_rows", short)
    with pytest.raises(DataError, match="10 rows of the package were sent but the target holds 9"):
        pipelines.import_package(str(package), f"sqlite:///{target}", "db")
    assert not list(target.glob("db.sqlite*"))


def test_the_engine_counts_rows_it_is_asked_to(tmp_path, monkeypatch):
    fake = FakeServer()
    fake.add(shop())
    engine = make_engine(fake)
    with engine.export_source("Shop") as source:
        assert source.exact_row_count("[dbo].[Customers]") == 2 and source.consistent
