"""Test.bacpac, cell by cell, against the ground-truth CSVs written from the source database.

Normalisation rules (each only where the CSV's own spelling needs it):
  1. `NULL` in the CSV is None.
  2. binary, image, varbinary, rowversion and the CLR types (geography, geometry, hierarchyid)
     are spelled 0x + upper-case hex; we compare the bytes.
  3. bit is spelled 1/0; we compare with True/False.
  4. float is printed with 15 significant digits and real with 7 (SQL Server's display); we
     compare our value rounded to the same number of significant digits.
  5. money and smallmoney are printed with as many decimals as needed (1.00, 12345.6789); the
     decoded Decimal has 4; we compare numerically. decimal/numeric are compared as exact strings.
  6. datetime is printed to the millisecond, smalldatetime to the second, date as yyyy-mm-dd;
     time(n), datetime2(n) and datetimeoffset(n) with exactly n fractional digits (none for n=0)
     and datetimeoffset with ' +hh:mm'; we format our value the same way.
  7. uniqueidentifier is printed upper case; we compare case-insensitively.
  8. sql_variant is printed as its base value; we compare str(value).
"""
import csv
import datetime
import io

import pytest

from azext_bacpac.format.package import PackageReader, table_layout
from azext_bacpac.format.values import SqlVariant
from tests.vectors import expected_csv_dir, vector_bytes

TABLES = ["Bit16Fields", "Bit8Fields", "BitMixed", "DateTimeFields1", "DateTimeFields2", "DateTimeFields3",
          "DateTimeFields4", "DateTimeFields5", "DateTimeFields6", "DateTimeFields7", "DateTimeFields8",
          "DecimalFields1", "DecimalFields2", "FloatFields1", "FloatFields2", "LargeFields1", "LargeFields2",
          "LargeTextFields1", "LargeTextFields2", "NumberFields1", "NumberFields2", "StrangeFields1",
          "StrangeFields2", "TextFields1", "TextFields2"]
BINARY = {"binary", "varbinary", "image", "rowversion", "timestamp", "geography", "geometry", "hierarchyid"}


@pytest.fixture(scope="module")
def reader():
    with PackageReader(io.BytesIO(vector_bytes("bacpactod-types/Test.bacpac"))) as package:
        yield package


def _fraction(value, digits):
    text = f"{value.microsecond:06d}{getattr(value, 'hundred_ns', 0)}"[:digits]
    return "." + text if digits else ""


def _offset(value):
    minutes = int(value.utcoffset().total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f" {sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def spelled(value, sql_type):
    """Our decoded value, spelled the way the CSV spells it (rules 2-8)."""
    name, scale = sql_type.name, sql_type.scale or 0
    if name in BINARY:
        return "0x" + value.hex().upper()
    if name == "bit":
        return "1" if value else "0"
    if name == "float":
        return float(format(value, ".15g"))
    if name == "real":
        return float(format(value, ".7g"))
    if name in ("money", "smallmoney"):
        return value
    if name in ("decimal", "numeric"):
        return format(value, "f")
    if name == "datetime":
        return value.strftime("%Y-%m-%d %H:%M:%S") + f".{value.microsecond // 1000:03d}"
    if name == "smalldatetime":
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if name == "date":
        return value.isoformat()
    if name == "time":
        return value.strftime("%H:%M:%S") + _fraction(value, scale)
    if name == "datetime2":
        return value.strftime("%Y-%m-%d %H:%M:%S") + _fraction(value, scale)
    if name == "datetimeoffset":
        return value.strftime("%Y-%m-%d %H:%M:%S") + _fraction(value, scale) + _offset(value)
    if name == "uniqueidentifier":
        return str(value).upper()
    if isinstance(value, SqlVariant):
        return str(value.value)
    return value


def csv_spelled(text, sql_type):
    name = sql_type.name
    if name in ("tinyint", "smallint", "int", "bigint"):
        return int(text)
    if name in ("float", "real"):
        return float(text)
    if name in ("money", "smallmoney"):
        import decimal
        return decimal.Decimal(text)
    if name == "uniqueidentifier":
        return text.upper()
    return text


@pytest.mark.parametrize("table_name", TABLES)
def test_every_cell_matches_expected_csv(reader, table_name):
    table = reader.table("dbo", table_name)
    layout = table_layout(reader.model, table.table)
    with open(expected_csv_dir() / f"dbo{table_name}.csv", newline="", encoding="utf-8") as handle:
        expected = list(csv.reader(handle))
    header, expected_rows = expected[0], expected[1:]
    assert header == [c.name for c in layout]
    rows = sorted(reader.rows(table), key=lambda r: r[0])
    assert len(rows) == len(expected_rows)
    for row, expected_row in zip(rows, sorted(expected_rows, key=lambda r: int(r[0]))):
        for column, value, text in zip(layout, row, expected_row):
            where = f"{table_name}.{column.name} row {row[0]}"
            if text == "NULL":
                assert value is None, where
            else:
                assert spelled(value, column.sql_type) == csv_spelled(text, column.sql_type), where


def test_the_vector_has_every_documented_type(reader):
    names = {column.sql_type.name for t in reader.tables for column in table_layout(reader.model, t.table)}
    assert names >= {"tinyint", "smallint", "int", "bigint", "bit", "decimal", "numeric", "money", "smallmoney",
                     "float", "real", "char", "varchar", "nchar", "nvarchar", "text", "ntext", "image", "binary",
                     "varbinary", "date", "time", "datetime", "smalldatetime", "datetime2", "datetimeoffset",
                     "uniqueidentifier", "rowversion", "xml", "sql_variant", "geography", "geometry", "hierarchyid"}


def test_natural_python_values(reader):
    row = next(r for r in reader.rows(reader.table("dbo", "DateTimeFields1")) if r[0] == 2)
    _, day, moment, offset_value, precise, stamp, small, time_of_day = row
    assert day == datetime.date(2003, 2, 1)
    assert moment == datetime.datetime(2003, 2, 1, 11, 22, 33, 123000)
    assert offset_value.utcoffset() == datetime.timedelta(hours=4, minutes=55)
    assert offset_value.isoformat() == "2003-02-01T11:22:33.1234567+04:55"
    assert precise.isoformat() == "2003-02-01T11:22:33.1234567"
    assert stamp == bytes.fromhex("00000000000007DB")
    assert small == datetime.datetime(2003, 2, 1, 11, 23)
    assert time_of_day == datetime.time(11, 22, 33)
