"""The ZIP container against hostile packages, at the pipeline and CLI level: unsafe entry names,
bombs (deflate ratio per entry, a cap on the declared total with an override), and Zip64 packages
written and read back (forced Zip64 headers, more than 65,535 entries; > 4 GiB only on request)."""
import io
import os
import random
import struct
import time
import zipfile

import pytest

import fuzz
from azext_bacpac.format import Column, Model, PackageReader, PackageWriter, SqlType, Table
from azext_bacpac.format.errors import PackageTooLargeError, UnsafeEntryError
from azext_bacpac.format.package import MAX_DEFLATE_RATIO, MAX_TOTAL_BYTES
from azext_bacpac.errors import InvalidInputError
from azext_bacpac.pipelines import import_package, inspect_package
from azext_bacpac.pipelines.packages import MAX_UNCOMPRESSED_ENV, max_uncompressed_bytes

AMADO = "amado/AmadoDB.bacpac"
UNSAFE = ["../escape.BCP", "Data/../../escape.BCP", "/etc/cron.d/x", "Data\\dbo.T\\x.BCP", "C:/windows.BCP",
          "nul\x00.xml"]


def _with_extra_entry(name):
    source = fuzz.Source(AMADO)
    placeholder = name.replace("\x00", "#")          # zipfile cuts names at NUL: patched in afterwards
    data = fuzz.rebuild(list(source.entries) + [fuzz.Entry(placeholder, b"x", zipfile.ZIP_STORED)])
    return data.replace(placeholder.encode(), name.encode())


@pytest.mark.parametrize("name", UNSAFE)
def test_unsafe_entry_names_are_refused_by_inspect_and_import(tmp_path, name):
    package = tmp_path / "unsafe.bacpac"
    package.write_bytes(_with_extra_entry(name))
    with pytest.raises(UnsafeEntryError, match="is not allowed in a BACPAC"):
        inspect_package(str(package))
    folder = tmp_path / "db"
    folder.mkdir()
    with pytest.raises(UnsafeEntryError, match="is not allowed in a BACPAC"):
        import_package(str(package), "sqlite:///" + str(folder), "x")
    assert list(folder.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db", "unsafe.bacpac"]     # nothing written outside


def test_unsafe_entry_names_through_az(az, tmp_path):
    from azure.cli.core import azclierror
    package = tmp_path / "unsafe.bacpac"
    package.write_bytes(_with_extra_entry("../../escape.BCP"))
    inspected = az("sql", "db", "bacpac", "inspect", "--storage-uri", str(package))
    assert inspected.exit_code == 1 and isinstance(inspected.error, azclierror.FileOperationError), inspected
    assert "'../../escape.BCP' is not allowed in a BACPAC" in inspected.stderr
    folder = tmp_path / "db"
    folder.mkdir()
    imported = az("sql", "db", "bacpac", "import", "-s", "sqlite:///" + str(folder), "-n", "x",
                  "--storage-uri", str(package))
    assert imported.exit_code == 1 and isinstance(imported.error, azclierror.FileOperationError), imported
    assert "is not allowed in a BACPAC" in imported.stderr
    assert list(folder.iterdir()) == [] and not (tmp_path.parent / "escape.BCP").exists()


def _zero_model():
    model = Model()
    model.add(Table("dbo", "Blobs", [Column("Id", SqlType("int"), nullable=False),
                                     Column("Body", SqlType("varbinary", is_max=True))]))
    return model


def _bomb_like(rows=64, row_bytes=1 << 20):
    """A genuine package whose data compresses about 1000:1 (rows of zeros): a bomb's shape, honest sizes."""
    out = io.BytesIO()
    with PackageWriter(out, _zero_model(), "bombish", compresslevel=9) as writer:
        writer.write_table("dbo", "Blobs", ((i, bytes(row_bytes)) for i in range(rows)))
    return out.getvalue()


def test_the_total_declared_size_is_capped_with_an_override(tmp_path, monkeypatch):
    data = _bomb_like()
    declared = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    assert declared > 100 * len(data)                   # high ratio, yet within deflate's own ratio per entry
    with pytest.raises(PackageTooLargeError, match=f"declare {declared} bytes uncompressed in all, more than "
                                                   f"the limit of {1 << 20} bytes"):
        PackageReader(io.BytesIO(data), max_total_bytes=1 << 20)
    with PackageReader(io.BytesIO(data), max_total_bytes=None) as reader:       # None: no cap
        assert reader.origin.total_rows == 64
    assert MAX_TOTAL_BYTES == 1 << 40
    package = tmp_path / "bombish.bacpac"
    package.write_bytes(data)
    monkeypatch.setenv(MAX_UNCOMPRESSED_ENV, "1MiB")
    with pytest.raises(PackageTooLargeError) as info:
        inspect_package(str(package))
    assert f"raise the limit with the environment variable {MAX_UNCOMPRESSED_ENV}" in str(info.value)
    folder = tmp_path / "db"
    folder.mkdir()
    with pytest.raises(PackageTooLargeError):
        import_package(str(package), "sqlite:///" + str(folder), "x")
    assert inspect_package(str(package), max_uncompressed_size="1GiB")["totals"]["rows"] == 64   # the argument wins
    monkeypatch.setenv(MAX_UNCOMPRESSED_ENV, "0")
    assert import_package(str(package), "sqlite:///" + str(folder), "x")["rows"] == 64
    monkeypatch.setenv(MAX_UNCOMPRESSED_ENV, "lots")
    with pytest.raises(InvalidInputError, match=f"{MAX_UNCOMPRESSED_ENV}='lots' is not a size"):
        inspect_package(str(package))


@pytest.mark.parametrize("text, expected", [("2TiB", 2 << 40), ("500GB", 500 << 30), ("4t", 4 << 40),
                                            ("123", 123), ("0", None), ("none", None), ("unlimited", None)])
def test_size_values(text, expected):
    assert max_uncompressed_bytes(text) == expected


def test_a_declared_size_past_deflates_ratio_is_refused_before_reading(tmp_path):
    data = _bomb_like(rows=2)
    name = "Data/dbo.Blobs/TableData-000-00000.BCP"
    for at, entry in fuzz.central_records(data):
        if entry == name.encode():
            compressed = struct.unpack_from("<I", data, at + 20)[0]
            data = data[:at + 24] + struct.pack("<I", compressed * MAX_DEFLATE_RATIO + 4096) + data[at + 28:]
    package = tmp_path / "bomb.bacpac"
    package.write_bytes(data)
    started = time.monotonic()
    with pytest.raises(UnsafeEntryError, match="more than deflate can produce"):
        inspect_package(str(package))
    assert time.monotonic() - started < 2


def test_more_than_65535_entries_use_the_zip64_end_record(tmp_path):
    model = Model()
    model.add(Table("dbo", "Many", [Column("Id", SqlType("int"), nullable=False)]))
    count = 65_540
    path = tmp_path / "many.bacpac"
    with open(path, "wb") as target:
        with PackageWriter(target, model, "many", part_bytes=1, compresslevel=1) as writer:   # one row a part
            writer.write_table("dbo", "Many", ((i,) for i in range(count)))
    data = path.read_bytes()
    assert b"PK\x06\x06" in data and b"PK\x06\x07" in data       # Zip64 end record and locator
    assert struct.unpack_from("<H", data, data.rfind(b"PK\x05\x06") + 10)[0] == 0xFFFF
    summary = inspect_package(str(path))
    assert summary["totals"]["rows"] == count and summary["tables"][0]["parts"] == count
    with PackageReader(str(path)) as reader:
        assert len(reader.entry_names) == count + 5


@pytest.mark.skipif(not os.environ.get("BACPAC_SLOW_TESTS"),
                    reason="writes and reads a > 4 GiB package (set BACPAC_SLOW_TESTS=1)")
def test_a_package_over_4_gib_round_trips(tmp_path):
    block = random.Random(1).randbytes(64) * (1 << 14)          # 1 MiB rows that deflate about 100:1
    rows = 4200                                                 # about 4.1 GiB of BCP data
    path = tmp_path / "big.bacpac"
    with open(path, "wb") as target:
        with PackageWriter(target, _zero_model(), "big", compresslevel=1) as writer:
            writer.write_table("dbo", "Blobs", ((i, block) for i in range(rows)))
    with PackageReader(str(path)) as reader:
        (table,) = reader.tables
        assert table.data_bytes > 1 << 32
        seen = 0
        for batch in reader.row_batches(table):
            for row_id, body in batch:
                assert row_id == seen and body == block
                seen += 1
        assert seen == rows


@pytest.mark.parametrize("offset, value, words", [
    (8, 0x0001, "is encrypted or patched"),               # general purpose flags: encrypted
    (8, 0x0040, "is encrypted or patched"),               # strong encryption
    (6, 148, "not a readable ZIP package: zip file version 14.8"),     # version needed to extract
])
def test_encrypted_entries_and_unknown_zip_versions_are_package_errors(tmp_path, offset, value, words):
    source = fuzz.Source(AMADO)
    at, _ = fuzz.central_records(source.data)[2]
    data = source.data[:at + offset] + struct.pack("<H", value) + source.data[at + offset + 2:]
    package = tmp_path / "odd.bacpac"
    package.write_bytes(data)
    from azext_bacpac.format.errors import PackageError
    with pytest.raises(PackageError, match=words):
        inspect_package(str(package))


def test_a_huge_damaged_entry_name_gives_a_short_message(tmp_path):
    source = fuzz.Source(AMADO)
    name = "../" + "x" * 5000
    package = tmp_path / "long.bacpac"
    package.write_bytes(fuzz.rebuild(list(source.entries) + [fuzz.Entry(name, b"", zipfile.ZIP_STORED)]))
    with pytest.raises(UnsafeEntryError) as info:
        inspect_package(str(package))
    assert len(str(info.value)) < 600 and "(5003 characters)" in str(info.value)
