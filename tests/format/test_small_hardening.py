"""Small ones from the reliability probe: an OS error reading a part names the file, a second part whose
name differs only in case is refused, and a SQLite table named 'dbo.dotted' keeps its name."""

import sqlite3
import zipfile

import pytest

from azext_bacpac import pipelines
from azext_bacpac.format.errors import DataError, UnsafeEntryError
from azext_bacpac.format.package import PackageReader
from tests.vectors import vector_path


def test_an_os_error_reading_a_data_part_names_the_file(monkeypatch):
    path = vector_path("amado/AmadoDB.bacpac")
    with PackageReader(str(path)) as reader:
        table = next(t for t in reader.tables if t.entries)

        def lying_offset(*_args, **_kwargs):
            raise OSError(22, "Invalid argument")          # what a ZIP64 header-offset lie gives on seek
        monkeypatch.setattr(reader._zip, "open", lying_offset)
        with pytest.raises(DataError) as caught:
            list(reader.rows(table))
    assert str(path) in str(caught.value) and "Invalid argument" in str(caught.value)


def test_a_second_model_xml_that_differs_only_in_case_is_refused(tmp_path):
    source = vector_path("amado/AmadoDB.bacpac")
    target = tmp_path / "twice.bacpac"
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as out:
        for info in original.infolist():
            out.writestr(info.filename, original.read(info.filename))
        out.writestr("Model.xml", original.read("model.xml"))
    with pytest.raises(UnsafeEntryError, match="appears twice"):
        PackageReader(str(target))


def test_a_sqlite_table_named_like_a_dbo_schema_keeps_its_name(tmp_path):
    source, target = tmp_path / "src", tmp_path / "dst"
    source.mkdir()
    target.mkdir()
    with sqlite3.connect(source / "db.sqlite") as conn:
        conn.execute('CREATE TABLE "dbo.dotted" (id INTEGER PRIMARY KEY)')
        conn.execute('INSERT INTO "dbo.dotted" VALUES (1)')
    package = tmp_path / "db.bacpac"
    pipelines.export_database(f"sqlite:///{source}", "db", str(package))
    pipelines.import_package(str(package), f"sqlite:///{target}", "db")
    with sqlite3.connect(target / "db.sqlite") as conn:
        names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                            "AND name NOT LIKE '\\_\\_%' ESCAPE '\\'")]
    assert names == ["dbo.dotted"]


