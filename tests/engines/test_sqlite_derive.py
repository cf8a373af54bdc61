"""Deriving SQL Server types from SQLite: declared type first, then the data decides."""
import sqlite3

import pytest

from azext_bacpac.engines.sqlite_derive import candidate_for, derive_columns
from azext_bacpac.engines.sqlite_derive_table import tsql_default
from azext_bacpac.engines.sqlite_schema import read_tables
from azext_bacpac.engines.sqlite_types import type_sql
from azext_bacpac.errors import EngineError
from azext_bacpac.format.sqltypes import SqlType


def derived(declared, *values, key=False):
    """str() of the SQL Server type chosen for one column holding `values`."""
    conn = sqlite3.connect(":memory:")
    conn.execute(f'CREATE TABLE t ("c" {type_sql(declared)})')
    conn.executemany("INSERT INTO t VALUES (?)", [(v,) for v in values])
    info = read_tables(conn)["t"]
    types, _ = derive_columns(conn, info, keys={"c"} if key else ())
    return str(types["c"])


@pytest.mark.parametrize("declared, values, expected", [
    ("INTEGER", (1, 2), "bigint"),
    ("INT", (1, 2**40), "bigint"),                        # widened: the value does not fit int
    ("TINYINT", (-1,), "smallint"),
    ("BOOLEAN", (0, 1, None), "bit"),
    ("BOOLEAN", (0, 2), "tinyint"),
    ("REAL", (1.5, 2), "float"),
    ("DOUBLE PRECISION", (1.5,), "float"),
    ("NUMERIC(10,2)", (12.5, 3, 99999999.99), "numeric(10,2)"),
    ("DECIMAL(10,2)", (12.345,), "float"),                # more decimals than the scale: no rounding
    ("DECIMAL(4,0)", (123456,), "decimal(6,0)"),
    ("TEXT", ("a",), "nvarchar(max)"),
    ("VARCHAR(10)", ("abc",), "varchar(10)"),
    ("VARCHAR(2)", ("abcdef",), "varchar(6)"),
    ("VARCHAR(10)", ("Zoë",), "nvarchar(10)"),            # non-ASCII text needs Unicode
    ("CHAR(2)", ("EU", "US"), "char(2)"),
    ("CHAR(4)", ("A",), "varchar(4)"),                    # not padded: char(4) would change the value
    ("BLOB", (b"\x00",), "varbinary(max)"),
    ("DATE", ("2024-02-29",), "date"),
    ("DATE", ("2024-02-29 10:00:00",), "datetime2(0)"),
    ("DATETIME", ("2024-01-05 10:00:00", "2023-12-31 23:59:59.123"), "datetime2(3)"),
    ("TIMESTAMP", ("2024-01-05T10:00:00+02:00",), "datetimeoffset(0)"),
    ("DATETIME", (1704448800,), "int"),                   # unix time: numbers, not dates
    ("DATETIME", ("yesterday",), "nvarchar(max)"),
    ("TIME", ("10:00:00.5",), "time(1)"),
    ("TIME(7)", ("10:00:00",), "time(7)"),
    ("DATETIME2(7)", ("2024-01-05 10:00:00",), "datetime2(7)"),   # an explicit scale is kept
    ("SMALLDATETIME", ("2024-01-05 10:00:00",), "smalldatetime"),
    ("SMALLDATETIME", ("2024-01-05 10:00:30",), "datetime2(0)"),  # seconds would be rounded away
    ("GUID", ("00112233-4455-6677-8899-aabbccddeeff",), "uniqueidentifier"),
    ("GUID", ("not-a-guid",), "nvarchar(max)"),
    ("", (1, "x", 2.5, b"\x01"), "sql_variant"),          # no type, mixed: sql_variant keeps each class
    ("INTEGER", (1, "text"), "sql_variant"),
    ("", (1, 2), "int"),
    ("", (), "nvarchar(max)"),
    ("NVARCHAR(MAX)", ("x",), "nvarchar(max)"),
    ("TEXT DECIMAL(38,10)", ("1.5",), "decimal(38,10)"),
    ("BLOB SQL_VARIANT", (1, "x"), "sql_variant"),
    ("MONEY", (12.5,), "money"),
    ("WHATEVER", ("x",), "nvarchar(max)"),               # unknown name: the data decides
])
def test_type_by_declaration_and_data(declared, values, expected):
    assert derived(declared, *values) == expected


def test_key_text_gets_an_indexable_length():
    assert derived("TEXT", "abc", key=True) == "nvarchar(450)"
    assert derived("BLOB", b"abc", key=True) == "varbinary(900)"


def test_mixed_values_too_large_for_sql_variant_fail_naming_the_row():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (c)")
    conn.executemany("INSERT INTO t VALUES (?)", [(1,), ("x" * 5000,)])
    with pytest.raises(EngineError, match=r"table 't', column 'c'.*rowid 2"):
        derive_columns(conn, read_tables(conn)["t"])


def test_names_that_differ_between_sqlite_and_sql_server_read_as_sqlite_means_them():
    assert candidate_for("TEXT").sql_type == SqlType("nvarchar", is_max=True)
    assert candidate_for("REAL").sql_type == SqlType("float", precision=53)      # SQLite REAL is 8 bytes
    assert candidate_for("TIMESTAMP").family == "datetime"                        # not rowversion
    assert candidate_for("DATETIME").native_scale


@pytest.mark.parametrize("sqlite_default, sql_type, expected", [
    ("30", SqlType("int"), "((30))"),
    ("-1.5", SqlType("float"), "((-1.5))"),
    ("'x'", SqlType("varchar", 5), "('x')"),
    ("'it''s'", SqlType("nvarchar", 5), "(N'it''s')"),
    ("X'00ff'", SqlType("varbinary", 2), "(0x00FF)"),
    ("TRUE", SqlType("bit"), "((1))"),
    ("CURRENT_TIMESTAMP", SqlType("datetime2", scale=7), "(getutcdate())"),
    ("(datetime('now', 'localtime'))", SqlType("datetime2", scale=7), "(getdate())"),
    ("CURRENT_DATE", SqlType("date"), "(CONVERT([date],getutcdate()))"),
])
def test_defaults_translate_to_tsql(sqlite_default, sql_type, expected):
    assert tsql_default(sqlite_default, sql_type) == (expected, True)


def test_untranslatable_defaults_are_reported():
    assert tsql_default("(abs(random()))", SqlType("int")) == (None, False)
    assert tsql_default("NULL", SqlType("int")) == (None, True)
