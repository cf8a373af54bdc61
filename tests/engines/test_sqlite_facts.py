"""SQLite facts carried as extended properties (issue 14, item 6): date/time text forms found in the data
and written back exactly, declared types given back as one quoted identifier (a hostile package cannot
add a column or a constraint through one)."""
import datetime
import sqlite3

import pytest

from azext_bacpac import pipelines
from azext_bacpac.engines.sqlite_facts import DECLARED_TYPE, TEXT_FORMAT, TextFormat, detect_format
from azext_bacpac.engines.sqlite_types import parse_datetimeoffset, parse_naive_datetime, parse_time
from azext_bacpac.format.model import Column, Model, Table
from azext_bacpac.format.model_objects import ExtendedProperty
from azext_bacpac.format.assembly import PackageWriter
from azext_bacpac.format.sqltypes import SqlType

FORMS = [  # values of one column, the SQL Server type the export derives, the pattern it carries
    (["2024-02-20T02:03:42.123Z", "2024-02-21T00:00:00.000Z"], SqlType("datetime2", scale=3),
     "yyyy-MM-dd'T'HH:mm:ss.fff'Z'"),                                             # JavaScript toISOString()
    (["2024-02-20 02:03:42.123000", "2024-02-21 00:00:00"], SqlType("datetime2", scale=6),
     "yyyy-MM-dd HH:mm:ss[.ffffff]"),                                             # Python isoformat(' ')
    (["2024-02-20 02:03:42.12", "2024-02-21 00:00:00", "2024-02-21 00:00:00.0000001"],
     SqlType("datetime2", scale=7), "yyyy-MM-dd HH:mm:ss.FFFFFFF"),                 # .NET / EF Core
    (["2024-02-20 02:03", "2024-02-21 00:00"], SqlType("datetime2", scale=0), "yyyy-MM-dd HH:mm"),
    (["2024-02-20T02:03:42+04:55", "2024-02-20T02:03:42-01:00"], SqlType("datetimeoffset", scale=0),
     "yyyy-MM-dd'T'HH:mm:sszzz"),
    (["10:30", "23:59"], SqlType("time", scale=0), "HH:mm"),
]


@pytest.mark.parametrize("values, sql_type, pattern", FORMS)
def test_text_forms_are_found_and_written_back_exactly(values, sql_type, pattern):
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (v)")
    conn.executemany("INSERT INTO t VALUES (?)", [(v,) for v in values])
    found, warning = detect_format(conn, "t", "v", sql_type)
    assert (found.pattern, warning) == (pattern, None)
    assert TextFormat.parse(pattern) == found
    parse = {"datetimeoffset": parse_datetimeoffset, "time": parse_time}.get(sql_type.name, parse_naive_datetime)
    assert [found.text(parse(v)) for v in values] == values


def test_the_import_s_own_form_needs_no_property_and_two_forms_are_named():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (a, b)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", [("2024-02-20 02:03:42", "2024-02-20 02:03:42"),
                                                     ("2024-02-21 00:00:00", "2024-02-21T00:00:00")])
    assert detect_format(conn, "t", "a", SqlType("datetime2", scale=0)) == (None, None)
    found, warning = detect_format(conn, "t", "b", SqlType("datetime2", scale=0))
    assert warning == "its values are written in more than one date/time text form; the copy writes them as " + \
        found.pattern


def test_a_value_is_never_cut_to_fit_its_form():
    minutes = TextFormat.parse("yyyy-MM-dd HH:mm")
    assert minutes.text(datetime.datetime(2024, 1, 1, 10, 30, 5, 500000)) == "2024-01-01 10:30:05.5"


@pytest.mark.parametrize("pattern", ["yyyy-MM-ddHH:mm", "HH:mm'Z'x", "yyyy-MM-dd HH:mm:ss.ffffffff", "'; DROP", ""])
def test_unknown_patterns_are_not_read(pattern):
    assert TextFormat.parse(pattern) is None


def test_carried_types_reach_sqlite_as_one_quoted_identifier(tmp_path):
    model = Model()
    model.add(Table("dbo", "T", [Column("Id", SqlType("int"), nullable=False), Column("A", SqlType("int")),
                                 Column("B", SqlType("datetime2", scale=0)), Column("C", SqlType("int"))]))
    for column, name, value in [("A", DECLARED_TYPE, "INT PRIMARY KEY, pwn TEXT DEFAULT 1"),
                                ("B", TEXT_FORMAT, "yyyy-MM-dd'T'HH:mm:ss"), ("C", DECLARED_TYPE, 'X"Y'),
                                ("C", TEXT_FORMAT, "'; DROP TABLE T; --")]:
        model.add(ExtendedProperty(f"[dbo].[T].[{column}]", "SqlColumn", name, value))
    path = tmp_path / "p.bacpac"
    with open(path, "wb") as handle, PackageWriter(handle, model, "p") as writer:
        writer.write_table("dbo", "T", [(1, 2, datetime.datetime(2024, 1, 2, 3, 4, 5), 3)])
    summary = pipelines.import_package(str(path), f"sqlite:///{tmp_path}", "p")
    conn = sqlite3.connect(tmp_path / "p.sqlite")
    assert [(r[1], r[2], r[5]) for r in conn.execute("PRAGMA table_info(T)")] == [
        ("Id", "INT", 0), ("A", "INT PRIMARY KEY, pwn TEXT DEFAULT 1", 0), ("B", "DATETIME2(0)", 0), ("C", "INT", 0)]
    assert conn.execute("SELECT A, B FROM T").fetchone() == (2, "2024-01-02T03:04:05")
    # the two properties this import cannot read are named, and kept in the package
    assert sum("is not one an import reads; it was ignored" in w for w in summary["warnings"]) == 2
    assert [n["kind"] for n in summary["notCreated"]] == ["extended property", "extended property"]
