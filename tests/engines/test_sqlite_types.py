"""SQL Server types in SQLite: declared type text, stored text forms, and their way back."""
import datetime
import decimal
import sqlite3
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from azext_bacpac.engines.sqlite_types import (exact_number, declared_type, export_adapter, format_datetime,
                                               format_datetimeoffset, format_time, import_adapter, parse_date,
                                               parse_datetimeoffset, parse_naive_datetime, parse_time, type_sql,
                                               variant_from_sqlite, variant_natural)
from azext_bacpac.format import variant
from azext_bacpac.format.sqltypes import SqlType, datetime_from_parts, time_from_hundred_ns
from azext_bacpac.format.values import PreciseDateTime, SqlVariant


def T(name, length=None, precision=None, scale=None, is_max=False):
    return SqlType(name, length, precision, scale, is_max)


@pytest.mark.parametrize("sql_type, declared", [
    (T("int"), "INT"), (T("bigint"), "BIGINT"), (T("nvarchar", 50), "NVARCHAR(50)"),
    (T("nvarchar", is_max=True), "NVARCHAR(MAX)"), (T("varbinary", is_max=True), "VARBINARY(MAX)"),
    (T("datetime2", scale=7), "DATETIME2(7)"), (T("time", scale=0), "TIME(0)"),
    (T("decimal", precision=18, scale=0), "DECIMAL(18,0)"),          # stored as INTEGER
    (T("decimal", precision=12, scale=2), "DECIMAL(12,2)"),          # NUMERIC affinity: every value a REAL
    (T("decimal", precision=38, scale=10), "BLOB DECIMAL(38,10)"),   # numbers, and exact text past 15 digits
    (T("numeric", precision=19, scale=0), "BLOB NUMERIC(19,0)"),
    (T("money"), "BLOB MONEY"), (T("smallmoney"), "SMALLMONEY"), (T("xml"), "TEXT XML"), (T("sql_variant"), "BLOB SQL_VARIANT"),
    (T("uniqueidentifier"), "UNIQUEIDENTIFIER"), (T("rowversion"), "ROWVERSION"), (T("geography"), "GEOGRAPHY"),
])
def test_declared_types_carry_the_sql_server_name(sql_type, declared):
    assert declared_type(sql_type) == declared


def test_identity_keys_and_encrypted_columns():
    assert declared_type(T("int"), rowid_alias=True) == "INTEGER"
    assert declared_type(T("char", 11), encrypted=True) == "ENCRYPTED CHAR(11)"


@pytest.mark.parametrize("sql_type, text", [
    (T("decimal", precision=38, scale=38), "0.12345678901234567890123456789012345678"),
    (T("decimal", precision=38, scale=0), "12345678901234567890123456789012345678"),
    (T("decimal", precision=16, scale=4), "123456789012.3456"),
    (T("money"), "922337203685477.5807"), (T("xml"), "1.50"), (T("xml"), "00123"),
])
def test_sqlite_keeps_exact_text_in_these_columns(sql_type, text):
    """SQLite's NUMERIC affinity would turn these into REALs rounded to 15 digits; the declared type
    (BLOB affinity for decimals, TEXT for xml) prevents it."""
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE TABLE t (v {type_sql(declared_type(sql_type))})")
    conn.execute("INSERT INTO t VALUES (?)", (text,))
    assert conn.execute("SELECT v, typeof(v) FROM t").fetchone() == (text, "text")


def test_variant_column_keeps_every_storage_class():
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE TABLE t (v {type_sql(declared_type(T('sql_variant')))})")
    values = ["00123", 7, 2.5, b"\x00", "text"]
    conn.executemany("INSERT INTO t VALUES (?)", [(v,) for v in values])
    assert [r[0] for r in conn.execute("SELECT v FROM t")] == values


def test_max_types_are_quoted_for_sqlite_grammar():
    assert type_sql("NVARCHAR(MAX)") == '"NVARCHAR(MAX)"'
    assert type_sql("NVARCHAR(50)") == "NVARCHAR(50)"
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE TABLE t (v {type_sql('NVARCHAR(MAX)')})")
    assert conn.execute("SELECT type FROM pragma_table_info('t')").fetchone() == ("NVARCHAR(MAX)",)


# ---- date and time text ------------------------------------------------------------------------

def test_texts_follow_sql_server_spelling():
    value = PreciseDateTime(2003, 2, 1, 11, 22, 33, 123456, hundred_ns=7)
    assert format_datetime(value, 7) == "2003-02-01 11:22:33.1234567"
    zone = datetime.timezone(datetime.timedelta(hours=4, minutes=55))
    aware = PreciseDateTime(2003, 2, 1, 11, 22, 33, 123456, zone, hundred_ns=7)
    assert format_datetimeoffset(aware, 7) == "2003-02-01 11:22:33.1234567 +04:55"
    assert format_time(datetime.time(11, 22, 33), 7) == "11:22:33.0000000"
    assert format_time(datetime.time(11, 22, 33), 0) == "11:22:33"
    assert format_datetime(datetime.datetime(2003, 2, 1, 11, 23), 0) == "2003-02-01 11:23:00"


def test_more_digits_than_the_scale_are_kept_rather_than_rounded():
    assert format_time(datetime.time(11, 22, 33, 120000), 1) == "11:22:33.12"


def test_offsets_and_utc():
    value = parse_datetimeoffset("2003-02-01 11:22:33.1234567 +04:55")
    assert value.utcoffset() == datetime.timedelta(hours=4, minutes=55) and value.hundred_ns == 7
    assert parse_datetimeoffset("2003-02-01T11:22:33Z").utcoffset() == datetime.timedelta(0)
    assert parse_datetimeoffset("2003-02-01 11:22:33").utcoffset() == datetime.timedelta(0)
    assert parse_naive_datetime("2003-02-01 11:22:33+00:00") == datetime.datetime(2003, 2, 1, 11, 22, 33)


@pytest.mark.parametrize("parse, text, words", [
    (parse_naive_datetime, "2003-02-01 11:22:33 +01:00", "offset"),
    (parse_naive_datetime, "01/02/2003", "ISO-8601"),
    (parse_naive_datetime, "2003-02-01 11:22:33.12345678", "7 fractional"),
    (parse_date, "2003-02-01 10:00:00", "time of day"),
    (parse_time, "11h22", "time of day"),
])
def test_text_that_does_not_fit_is_refused(parse, text, words):
    with pytest.raises(ValueError, match=words):
        parse(text)


@settings(max_examples=300, deadline=None)
@given(days=st.integers(0, 3652058), ticks=st.integers(0, 864_000_000_000 - 1), scale=st.integers(0, 7),
       offset=st.integers(-840, 840))
def test_datetime_texts_round_trip_exactly(days, ticks, scale, offset):
    ticks -= ticks % 10 ** (7 - scale)               # the server rounds to the column's scale
    naive = datetime_from_parts(days, ticks)
    text = format_datetime(naive, scale)
    assert parse_naive_datetime(text) == naive
    assert len(text) == 19 + (scale + 1 if scale else 0)
    zone = datetime.timezone(datetime.timedelta(minutes=offset))
    aware = datetime_from_parts(days, ticks, zone)
    assert parse_datetimeoffset(format_datetimeoffset(aware, scale)) == aware
    time_value = time_from_hundred_ns(ticks)
    assert parse_time(format_time(time_value, scale)) == time_value


# ---- adapters ----------------------------------------------------------------------------------

@pytest.mark.parametrize("sql_type, value, stored", [
    (T("decimal", precision=38, scale=38), decimal.Decimal(0).scaleb(-38), 0.0),
    (T("decimal", precision=38, scale=4), decimal.Decimal("12345678901234.5678"), "12345678901234.5678"),
    (T("decimal", precision=38, scale=0), decimal.Decimal(-2**63), -2**63),
    (T("decimal", precision=38, scale=0), decimal.Decimal(2**63), "9223372036854775808"),
    (T("decimal", precision=18, scale=0), decimal.Decimal(-123), -123),
    (T("money"), decimal.Decimal(10000).scaleb(-4), 1.0),
    (T("money"), decimal.Decimal("-91.5700"), -91.57),
    (T("smallmoney"), decimal.Decimal("-214748.3648"), -214748.3648),
    (T("date"), datetime.date(1, 1, 1), "0001-01-01"),
    (T("datetime"), datetime.datetime(2003, 2, 1, 11, 22, 33, 123000), "2003-02-01 11:22:33.123"),
    (T("uniqueidentifier"), uuid.UUID("00112233-4455-6677-8899-aabbccddeeff"),
     "00112233-4455-6677-8899-AABBCCDDEEFF"),
])
def test_values_are_stored_naturally_and_come_back(sql_type, value, stored):
    adapter = import_adapter(sql_type)
    assert adapter(value) == stored and type(adapter(value)) is type(stored)
    back = export_adapter(sql_type)
    if back is not None:
        assert back(stored) == value


@pytest.mark.parametrize("text, stored", [
    ("12.3400", 12.34), ("-0.0001", -0.0001), ("0.00", 0.0), ("17", 17), ("-9223372036854775808", -2**63),
    ("123456789012345.0000", 123456789012345.0), ("1234567890123456.0", "1234567890123456.0"),
    ("0.0000000000000000000000000000000000001", 1e-37), ("99999999999999999999", "99999999999999999999"),
    ("100000000000000000000", 1e20),
])
def test_exact_numbers_are_sqlite_numbers_unless_they_would_lose_digits(text, stored):
    value = exact_number(text)
    assert value == stored and type(value) is type(stored)
    if not isinstance(value, str):
        assert decimal.Decimal(repr(value)) == decimal.Decimal(text)      # what export reads back


def test_decimal_columns_accept_what_sqlite_may_hold():
    back = export_adapter(T("decimal", precision=10, scale=2))
    assert back("12.50") == decimal.Decimal("12.50")
    assert back(3) == decimal.Decimal(3)
    assert back(12.5) == decimal.Decimal("12.5")
    with pytest.raises(ValueError, match="not a number"):
        back("twelve")


def test_variant_keeps_its_bytes_while_the_visible_value_is_unchanged():
    raw = bytes.fromhex("a707") + bytes.fromhex("0904d00034") + (3).to_bytes(2, "little") + b"007"
    cell = variant.decode(raw)
    natural = variant_natural(cell)
    assert natural == "007"
    kept = variant_from_sqlite(natural, raw)
    assert isinstance(kept, SqlVariant) and kept.raw == raw
    assert variant_from_sqlite("008", raw) == "008"          # edited by the user: the new value wins
    assert variant_from_sqlite(7, raw) == 7
    assert variant_from_sqlite(None, raw) is None
