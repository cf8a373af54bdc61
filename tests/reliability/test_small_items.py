"""Issue 17, item 11: a header offset that lies names the file; a second Model.xml differing only in case
is refused; a SQLite table named `dbo.dotted` comes back under its own name."""
import errno
import io
import sqlite3
import struct
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


def _lying_offset(data):
    """The package with its first data entry's central header offset pushed far past the end (Zip64)."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        name = next(info.filename for info in package.infolist() if info.filename.startswith("Data/"))
    at = data.index(b"PK\x01\x02")
    while True:
        length, extra, comment = struct.unpack_from("<HHH", data, at + 28)
        if data[at + 46:at + 46 + length].decode() == name:
            break
        at = data.index(b"PK\x01\x02", at + 46)
    zip64 = struct.pack("<HHQ", 1, 8, (1 << 62) + 5)
    record = bytearray(data[at:at + 46 + length + extra + comment])
    struct.pack_into("<I", record, 42, 0xFFFFFFFF)
    struct.pack_into("<H", record, 30, extra + len(zip64))
    record[46 + length + extra:46 + length + extra] = zip64
    patched = data[:at] + bytes(record) + data[at + len(record) - len(zip64):]
    end = patched.rindex(b"PK\x05\x06")
    size = struct.unpack_from("<I", patched, end + 12)[0]
    return patched[:end] + patched[end:end + 12] + struct.pack("<I", size + len(zip64)) + patched[end + 16:]


def test_a_lying_zip64_header_offset_names_the_file():
    data = _lying_offset(fuzz.rebuild(list(fuzz.Source(AMADO).entries)))
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
