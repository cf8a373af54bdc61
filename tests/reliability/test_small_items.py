"""Issue 17, item 11: a header offset that lies names the file; a second Model.xml differing only in case
is refused; a SQLite table named `dbo.dotted` comes back under its own name."""
import errno
import io
import sqlite3
import zipfile

import pytest

import fuzz
from azext_bacpac.format import PackageReader
from azext_bacpac.format.errors import DataError, UnsafeEntryError
from azext_bacpac.pipelines import export_database, import_package, inspect_package

AMADO = "amado/AmadoDB.bacpac"


class _Disk(io.BytesIO):
    """A file whose seek past what the file system allows fails as the kernel does (EINVAL)."""

    def seek(self, position, whence=0):
        if whence == 0 and position > 1 << 40:
            raise OSError(errno.EINVAL, "Invalid argument")
        return super().seek(position, whence)


def test_a_lying_zip64_header_offset_names_the_file():
    entries = list(fuzz.Source(AMADO).entries)
    data = fuzz.lying_offset(fuzz.rebuild(entries), next(e.name for e in entries if e.name.startswith("Data/")))
    with PackageReader(_Disk(data), source_name="lies.bacpac", verify_checksum=False) as reader:
        with pytest.raises(DataError, match=r"^lies\.bacpac: table .* cannot be read: \[Errno 22\]"):
            for table in reader.tables:
                reader.count_rows(table)


def test_a_second_model_xml_differing_in_case_is_refused(tmp_path):
    source = fuzz.Source(AMADO)
    model = next(entry for entry in source.entries if entry.name == "model.xml")
    package = tmp_path / "two-models.bacpac"
    package.write_bytes(fuzz.rebuild(list(source.entries) + [fuzz.Entry("Model.xml", model.data, zipfile.ZIP_STORED)]))
    with pytest.raises(UnsafeEntryError, match="differ only in case"):
        inspect_package(str(package))


def test_a_dotted_dbo_table_name_round_trips(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "dst").mkdir()
    connection = sqlite3.connect(str(tmp_path / "src" / "d.sqlite"))
    for name in ("dbo.dotted", "dotted", "sales.x"):
        connection.execute(f'CREATE TABLE "{name}" (id INTEGER)')
        connection.execute(f'INSERT INTO "{name}" VALUES (1)')
    connection.commit()
    connection.close()
    export_database("sqlite:///" + str(tmp_path / "src"), "d", str(tmp_path / "d.bacpac"))
    import_package(str(tmp_path / "d.bacpac"), "sqlite:///" + str(tmp_path / "dst"), "d")
    names = {row[0] for row in sqlite3.connect(str(tmp_path / "dst" / "d.sqlite")).execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '__bacpac%'")}
    assert names == {"dbo.dotted", "dotted", "sales.x"}
