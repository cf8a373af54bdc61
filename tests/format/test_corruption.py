"""Damaged and hostile packages give a specific error naming the table or entry: no hang, no traceback."""
import io
import struct
import warnings
import zipfile

import pytest

from azext_bacpac.format.errors import (BacpacFormatError, ChecksumMismatchError, DataError, MissingPartError,
                                        ModelError, PackageError, UnsafeEntryError)
from azext_bacpac.format.package import PackageReader
from tests.vectors import vector_bytes

TEST = "bacpactod-types/Test.bacpac"
TEXT_PART = "Data/dbo.TextFields1/TableData-000-00000.BCP"
LARGE_TEXT_PART = "Data/dbo.LargeTextFields1/TableData-000-00000.BCP"


def entries(name=TEST):
    with zipfile.ZipFile(io.BytesIO(vector_bytes(name))) as package:
        return [(info.filename, package.read(info), info.compress_type) for info in package.infolist()]


def rebuild(items):
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # zipfile warns about the duplicate names we make on purpose
        with zipfile.ZipFile(out, "w") as package:
            for name, data, method in items:
                package.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), data, method)
    return out.getvalue()


def replace(name, change):
    return rebuild([(n, change(d) if n == name else d, m) for n, d, m in entries()])


def read_everything(data):
    with PackageReader(io.BytesIO(data)) as reader:
        for table in reader.tables:
            for _ in reader.rows(table):
                pass


def test_truncated_bcp_names_the_table_and_says_truncated():
    data = replace(TEXT_PART, lambda d: d[:-3])
    with pytest.raises(DataError, match=r"\[dbo\]\.\[TextFields1\].*truncated"):
        read_everything(data)


def test_inflated_length_prefix_of_a_bounded_type_is_refused():
    # TextFields1 row 1: int ID (4 bytes), then varchar(4)'s 2-byte prefix (NULL = FF FF)
    data = replace(TEXT_PART, lambda d: d[:4] + struct.pack("<H", 0x7FFE) + d[6:])
    with pytest.raises(DataError, match=r"\[dbo\]\.\[TextFields1\].*Field_varchar_4.*length prefix 32766"):
        read_everything(data)


def test_inflated_length_prefix_of_a_max_type_fails_at_once():
    # LargeTextFields1 row 1: int ID, text (4-byte prefix, 18 bytes '1ABCDEFG1'), then varchar(max)'s 8-byte prefix
    def inflate(d):
        at = 4 + 4 + 18
        assert d[at:at + 8] == b"\xff" * 8
        return d[:at] + struct.pack("<Q", 1 << 40) + d[at + 8:]
    with pytest.raises(DataError, match=r"\[dbo\]\.\[LargeTextFields1\].*(length prefix|declares)"):
        read_everything(replace(LARGE_TEXT_PART, inflate))


def test_bad_checksum_is_refused_and_can_be_overridden():
    def tamper(d):
        return d.replace(b'Name="[dbo].[TextFields1]"', b'Name="[dbo].[TextFieldsX]"', 1)
    data = replace("model.xml", tamper)
    with pytest.raises(ChecksumMismatchError, match="model.xml does not match the checksum"):
        PackageReader(io.BytesIO(data))
    original = replace("model.xml", lambda d: d.replace(b"SchemaVersion=\"2.9\"", b"SchemaVersion=\"2.9\" "))
    with pytest.raises(ChecksumMismatchError):
        PackageReader(io.BytesIO(original))
    with PackageReader(io.BytesIO(original), verify_checksum=False) as reader:
        assert reader.checksum_verified is False


@pytest.mark.parametrize("part", ["model.xml", "Origin.xml"])
def test_missing_part_is_named(part):
    data = rebuild([e for e in entries() if e[0] != part])
    with pytest.raises(MissingPartError, match=f"'{part}' is missing"):
        PackageReader(io.BytesIO(data))


@pytest.mark.parametrize("bad_name", ["../evil.BCP", "Data/../../x.BCP", "/abs/model.xml", "Data\\dbo.T\\x.BCP",
                                      "C:/windows.BCP", "nul\x00.xml"])
def test_unsafe_entry_names_are_refused(bad_name):
    # zipfile cuts names at NUL on write, so the NUL is patched into the raw headers afterwards
    placeholder = bad_name.replace("\x00", "#")
    data = rebuild(entries() + [(placeholder, b"x", zipfile.ZIP_STORED)])
    data = data.replace(placeholder.encode(), bad_name.encode())
    with pytest.raises(UnsafeEntryError, match="not allowed"):
        PackageReader(io.BytesIO(data))


def test_duplicate_entries_are_refused():
    items = entries()
    data = rebuild(items + [items[3]])
    with pytest.raises(UnsafeEntryError, match="appears twice"):
        PackageReader(io.BytesIO(data))


def _patch_central_size(data, name, size):
    """Set an entry's uncompressed size in its central directory record."""
    marker = b"PK\x01\x02"
    at = data.find(marker)
    while at >= 0:
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46:at + 46 + name_length] == name.encode():
            return data[:at + 24] + struct.pack("<I", size) + data[at + 28:]
        at = data.find(marker, at + 4)
    raise AssertionError(name)


def test_absurd_declared_size_is_refused_before_reading():
    data = _patch_central_size(vector_bytes(TEST), TEXT_PART, 0xFFFFFF00)
    with pytest.raises(UnsafeEntryError, match=f"{TEXT_PART}.*more than deflate can produce"):
        PackageReader(io.BytesIO(data))


def test_data_entry_for_an_unknown_table_is_refused():
    data = rebuild(entries() + [("Data/dbo.Nope/TableData-000-00000.BCP", b"", zipfile.ZIP_DEFLATED)])
    with pytest.raises(PackageError, match="Data/dbo.Nope/.*belongs to no table"):
        PackageReader(io.BytesIO(data))


@pytest.mark.parametrize("garbage, reason", [(b"", r"is empty \(0 bytes\), not a BACPAC"),
                                             (b"not a zip at all", "not a BACPAC"),
                                             (b"PK\x03\x04" + b"\x00" * 100, r"is truncated \(104 bytes\)")])
def test_not_a_zip(garbage, reason):
    with pytest.raises(PackageError, match=reason):
        PackageReader(io.BytesIO(garbage))


def test_xml_with_entities_is_refused():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            b'<DataSchemaModel xmlns="http://schemas.microsoft.com/sqlserver/dac/Serialization/2012/02"><Model>&b;</Model></DataSchemaModel>')
    data = replace("model.xml", lambda d: bomb)
    with pytest.raises(ModelError, match="DOCTYPE"):
        PackageReader(io.BytesIO(data), verify_checksum=False)


def test_flipped_bytes_in_bcp_data_never_escape_as_other_exceptions():
    original = dict((n, d) for n, d, _ in entries())[LARGE_TEXT_PART]
    for position in range(0, len(original), 11):
        for flip in (0x80, 0xFF):
            damaged = bytearray(original)
            damaged[position] ^= flip
            try:
                read_everything(replace(LARGE_TEXT_PART, lambda d, b=bytes(damaged): b))
            except BacpacFormatError:
                pass
