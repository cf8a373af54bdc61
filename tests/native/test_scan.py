"""The compiled statistics scan (azext_bacpac.native._scan) against the SQL scan it replaces.

Every comparison runs both on the same table: sqlite_derive's aggregate SQL (the reference) and the
compiled scanner, and asserts the very same row (repr of each value, so -0.0, NULL and 0 differ;
the storage classes compared as sets: scan() reads them as a set).
"""
import dataclasses
import json
import math
import os
import random
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from azext_bacpac import native
from azext_bacpac.engines import sqlite_derive as derive
from azext_bacpac.engines.sqlite_schema import quote_ident, read_tables

SCAN = native.module("_scan")
pytestmark = pytest.mark.skipif(SCAN is None, reason="azext_bacpac.native._scan is not built")

REPO = Path(__file__).resolve().parents[2]

DECLARED = [
    "INTEGER", "INT", "TINYINT", "BIT", "REAL", "FLOAT(10)", "DECIMAL(5,2)", "NUMERIC(10,4)", "DECIMAL(3,0)",
    "DECIMAL(18,6)", "DECIMAL(38,10)", "MONEY", "SMALLMONEY", "TEXT DECIMAL(38,10)", "BLOB DECIMAL(12,2)",
    "BLOB NUMERIC(30,18)", "DATE", "DATETIME", "DATETIME2(3)", "DATETIMEOFFSET", "SMALLDATETIME", "TIME",
    "TIME(3)", "TEXT DATETIME2(7)", "GUID", "BLOB UNIQUEIDENTIFIER", "VARCHAR(10)", "CHAR(3)", "NVARCHAR(20)",
    "TEXT", "BLOB", "BINARY(4)", "VARBINARY(10)", "XML", "SQL_VARIANT", "GEOGRAPHY", "ROWVERSION", "", "WHATEVER",
]


# ---- the two scans ---------------------------------------------------------------------------------

def candidates_of(conn, table):
    info = read_tables(conn)[table]
    return {c.name: derive.candidate_for(c.declared) for c in info.columns}


def sql_row(conn, table, candidates, partial):
    """The row of scan()'s aggregate query, built exactly as scan() builds it."""
    expressions = []
    for name, candidate in candidates.items():
        full = derive._stat_expressions(candidate, quote_ident(name))
        needed = derive._NEEDED.get(candidate.family) if partial else None
        expressions += full if needed is None else [e if i in needed else derive._CONSTANTS[i]
                                                    for i, e in enumerate(full)]
    return list(conn.execute(f"SELECT {', '.join(expressions)} FROM {quote_ident(table)}").fetchone())


def native_row(conn, table, candidates, partial):
    job = derive._native_job(table, list(candidates), candidates, partial)
    row = derive._run_native(SCAN, conn, job)
    assert row is not None, "the compiled scanner declined"
    return row


def comparable(row):
    out = []
    for i, value in enumerate(row):
        if i % 13 == 0 and value is not None:
            classes = value.split(",")
            assert len(classes) == len(set(classes)), value
            value = sorted(classes)
        out.append(repr(value))
    return out


def assert_same_stats(conn, table, partial_modes=(True, False)):
    every = candidates_of(conn, table)
    names = list(every)
    for start in range(0, len(names), derive._STATS_PER_QUERY):     # as scan() splits wide tables
        _assert_same_stats(conn, table, {n: every[n] for n in names[start:start + derive._STATS_PER_QUERY]},
                           partial_modes)


def _assert_same_stats(conn, table, candidates, partial_modes):
    for partial in partial_modes:
        expected = sql_row(conn, table, candidates, partial)
        got = native_row(conn, table, candidates, partial)
        if comparable(got) != comparable(expected):
            names = list(candidates)
            for i, (a, b) in enumerate(zip(comparable(expected), comparable(got))):
                assert a == b, f"column {names[i // 13]!r} ({candidates[names[i // 13]].family}), " \
                               f"statistic {i % 13}, partial={partial}: SQL {a}, native {b}"
        assert len(got) == len(expected)


def stats_key(stats):
    """Stats, comparable exactly: repr keeps -0.0 apart from 0.0; the set of classes sorted."""
    return repr(dataclasses.replace(stats, classes=sorted(stats.classes)))


def derived_types(conn, table, monkeypatch, switch):
    monkeypatch.setenv(native.ENVIRONMENT_SWITCH, switch)
    info = read_tables(conn)[table]
    try:
        types, stats = derive.derive_columns(conn, info, keys=derive.key_columns(info))
        return {n: str(t) for n, t in types.items()}, stats
    except Exception as error:             # the same failure both ways counts as the same result
        return type(error).__name__, str(error)


# ---- values: every storage class, and text that is nearly what each family wants ------------------

def _decimal_float(digits, scale):
    return float(f"{digits}e-{scale}")


def _nudged(x, steps):
    for _ in range(abs(steps)):
        x = math.nextafter(x, math.inf if steps > 0 else -math.inf)
    return x


SPECIAL_FLOATS = [0.0, -0.0, math.inf, -math.inf, 1e308, -1e308, 5e-324, 2.0 ** 52, 2.0 ** 52 + 1, 2.0 ** 52 - 0.5,
                  2.0 ** 53, 4503599627370495.5, 0.005, 0.015, 1.005, 2.675, 0.125, 1e-7, 123456789012.345678,
                  9999999999999.99, 0.1 + 0.2, 1 / 3, 1e15, 1e22, 12345.6789]
floats = st.one_of(
    st.sampled_from(SPECIAL_FLOATS),
    st.builds(_decimal_float, st.integers(-10 ** 17, 10 ** 17), st.integers(0, 12)),
    st.builds(_nudged, st.builds(_decimal_float, st.integers(-10 ** 9, 10 ** 9), st.integers(0, 6)),
              st.integers(-3, 3)),
    st.floats(allow_nan=False),
)
integers = st.one_of(st.integers(-2 ** 63, 2 ** 63 - 1), st.integers(-3, 300), st.sampled_from([0, 1]))


def _two(n):
    return f"{n:02d}"


date_texts = st.builds(
    lambda year, month, day, sep, time, tz, tail: f"{year}-{month}-{day}{sep}{time}{tz}{tail}",
    st.one_of(st.integers(0, 10000).map(lambda y: f"{y:04d}"), st.sampled_from(["999", "20245", "abcd"])),
    st.integers(0, 13).map(_two), st.integers(0, 32).map(_two),
    st.sampled_from(["", " ", "T", "  ", "t", "_"]),
    st.one_of(st.just(""), st.builds(
        lambda h, m, s, f: f"{h}:{m}{s}{f}", st.integers(0, 25).map(_two), st.integers(0, 60).map(_two),
        st.sampled_from(["", ":00", ":30", ":59", ":60", ":7"]),
        st.one_of(st.just(""), st.just("."), st.text("0123456789", min_size=1, max_size=12).map(lambda d: "." + d)))),
    st.sampled_from(["", "Z", "z", "+01:00", "-05:30", "+14:59", "+15:00", "-00:00", "+00:00", " +02:00", "+0100",
                     "+1:00"]),
    st.sampled_from(["", "", " ", "x", "\x00x", "ä"]),
)
time_texts = st.builds(
    lambda h, m, rest, tz: f"{h}:{m}{rest}{tz}",
    st.integers(0, 25).map(_two), st.integers(0, 60).map(_two),
    st.sampled_from(["", ":00", ":59.5", ":60", ":01.1234567", ":01.", ":01.1234567890123", " ", "x"]),
    st.sampled_from(["", "Z", "+01:00", "-14:00", "+15:00"]),
)
decimal_texts = st.builds(
    lambda pad1, sign, whole, dot, fraction, junk, pad2: f"{pad1}{sign}{whole}{dot}{fraction}{junk}{pad2}",
    st.sampled_from(["", " ", "  "]), st.sampled_from(["", "-", "+", "--", "+-"]),
    st.one_of(st.just(""), st.text("0123456789", max_size=20), st.sampled_from(["000012", "0"])),
    st.sampled_from(["", ".", ".", ".."]), st.text("0123456789", max_size=14),
    st.sampled_from(["", "", "e5", "x", "\t", "ä", "\x00", "-"]), st.sampled_from(["", " "]),
)
guid_texts = st.one_of(
    st.uuids().map(str), st.uuids().map(lambda u: str(u).upper()), st.uuids().map(lambda u: "{" + str(u) + "}"),
    st.uuids().map(lambda u: str(u)[:-1] + "g"), st.uuids().map(lambda u: str(u) + "\x00"),
    st.uuids().map(lambda u: str(u).replace("-", "")),
)
texts = st.one_of(
    st.text(max_size=12), st.text("aé€😀\x00 .:-+0123456789", max_size=12),
    st.sampled_from(["", "ä", "😀", "a\x00b", "\x002024-01-01", "2024-01-01\x00junk", "12\x00x", "\x80\xbf"]),
    date_texts, time_texts, decimal_texts, guid_texts,
)


class Raw(bytes):
    """Text of these exact bytes, valid UTF-8 or not (stored as a blob, then CAST to TEXT)."""


raw_texts = st.one_of(st.binary(max_size=10), st.sampled_from([b"\x80", b"a\x80\xbfb", b"\xc3", b"\xe2\x82",
                                                              b"\xff\xfe", b"\xc3\xa4\x80", b"2024-01-01\x80",
                                                              b"1.5\xc3"])).map(Raw)


def make_table(conn, declared, rows, name="t"):
    columns = ", ".join(f'"c{i}" {d}' for i, d in enumerate(declared))
    conn.execute(f'CREATE TABLE "{name}" ({columns})')
    holes = ", ".join("?" * len(declared))
    for row in rows:
        rowid = conn.execute(f'INSERT INTO "{name}" VALUES ({holes})', [bytes(v) if isinstance(v, Raw) else v
                                                                        for v in row]).lastrowid
        for i, value in enumerate(row):
            if isinstance(value, Raw):
                conn.execute(f'UPDATE "{name}" SET "c{i}" = CAST("c{i}" AS TEXT) WHERE rowid = ?', (rowid,))


values = st.one_of(st.none(), integers, floats, texts, raw_texts, st.binary(max_size=12))


# ---- differential tests ----------------------------------------------------------------------------

@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(st.lists(values, min_size=len(DECLARED), max_size=len(DECLARED)), max_size=8))
@example([])
@example([[None] * len(DECLARED)])
def test_the_native_statistics_are_the_sql_statistics(rows):
    conn = sqlite3.connect(":memory:")
    make_table(conn, DECLARED, rows)
    assert_same_stats(conn, "t")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                  HealthCheck.function_scoped_fixture])
@given(st.sampled_from(DECLARED), st.lists(st.one_of(values, values), min_size=1, max_size=12))
def test_derived_types_are_the_same_with_and_without_the_native_scan(monkeypatch, declared, column):
    conn = sqlite3.connect(":memory:")
    make_table(conn, [declared, "INTEGER"], [(v, i) for i, v in enumerate(column)])
    with_native = derived_types(conn, "t", monkeypatch, "1")
    without = derived_types(conn, "t", monkeypatch, "0")
    assert with_native[0] == without[0]
    if isinstance(with_native[1], dict):
        assert {n: stats_key(s) for n, s in with_native[1].items()} == \
            {n: stats_key(s) for n, s in without[1].items()}


def _per_value(conn, declared, items):
    """For each value alone: (the SQL's statistics 9-12, the compiled scanner's)."""
    conn.execute("DROP TABLE IF EXISTS v")
    make_table(conn, [declared], [(x,) for x in items], name="v")
    candidate = derive.candidate_for(declared)
    full = derive._stat_expressions(candidate, '"c0"')
    per_row = ", ".join(derive._row_expression(e) for e in full[9:13])
    expected = conn.execute(f'SELECT rowid, {per_row} FROM v ORDER BY rowid').fetchall()
    job = derive._native_job("v", ["c0"], {"c0": candidate}, False)
    out = []
    for rowid, *stats in expected:
        row = derive._run_native(SCAN, conn, job, " WHERE rowid BETWEEN ? AND ?", (rowid, rowid))
        # one row: its sum or max is the per-row value itself
        out.append((rowid, stats, row[9:13]))
    return out


def test_decimal_reals_one_by_one():
    """real <> round(real, scale), value by value, around every kind of rounding boundary."""
    rng = random.Random(20241122)
    conn = sqlite3.connect(":memory:")
    for declared, scale in [("BLOB DECIMAL(12,2)", 2), ("BLOB DECIMAL(18,4)", 4), ("BLOB DECIMAL(30,9)", 9),
                            ("BLOB DECIMAL(10,0)", 0), ("BLOB DECIMAL(38,18)", 18), ("BLOB DECIMAL(38,25)", 25)]:
        items = []
        for _ in range(700):
            magnitude = rng.choice([2, 4, 6, 9, 12, 15])
            x = _decimal_float(rng.randrange(-10 ** magnitude, 10 ** magnitude), rng.randrange(0, scale + 3))
            items += [x, _nudged(x, rng.choice([-2, -1, 1, 2])), x * (1 + 2 ** -50)]
        items += SPECIAL_FLOATS + [rng.uniform(-1e6, 1e6) for _ in range(200)]
        for rowid, want, got in _per_value(conn, declared, items):
            assert repr(want) == repr(got), (declared, items[rowid - 1], want, got)
        # values as a decimal column holds them (read from text, < 10^13 in units of the scale): decided in C
        places, digits = min(scale, 2), max(1, 12 - scale + min(scale, 2))
        typical = [_decimal_float(rng.randrange(-10 ** digits, 10 ** digits), places) for _ in range(3000)]
        typical += [_nudged(x, 1) for x in typical[:1000]]
        conn.execute("DROP TABLE IF EXISTS v")
        make_table(conn, [declared], [(x,) for x in typical], name="v")
        before = SCAN.counters()["delegated"]
        assert_same_stats(conn, "v")
        delegated = SCAN.counters()["delegated"] - before
        if 2 <= scale <= 9:
            assert delegated <= len(typical) * 0.02, delegated


TEXT_CASES = [
    "2024-02-29", "2023-02-29", "2024-02-30", "2024-04-31", "2024-12-31 23:59:59.9999999", "0000-01-01",
    "0001-01-01", "9999-12-31", "9999-12-31 23:59:59+01:00", "9999-12-31 23:59:59-14:00", "2024-01-01 24:00",
    "2024-01-01 24:00:00", "2024-01-01T10:00Z", "2024-01-01T10:00z", "2024-01-01 10:00 ", "2024-01-01  10:00",
    "2024-01-01 10:00:00.", "2024-01-01 10:00:00.123456789012345", "2024-01-01 10:00:00" + ".1" * 3,
    "2024-01-01 10:00:00+14:59", "2024-01-01 10:00:00+15:00", "2024-01-01 10:00:00 +01:00", "2024-01-01 1:00",
    "2024-01-01x", "2024-1-01", "12:30", "12:30:45.5", "24:00", "23:60", "12:30+01:00", "12:30Z", "12:3", "1:30",
    " 12:30", "12:30 ", "12.5", " 12.50 ", "-0.01", "+1", "1.", ".5", ".", "", "1.2.3", "1e5", "--1", "+-1",
    "0000000000000000000000123.45", "123456789012345678901234567890.1234567890", "12 3", "١٢٣",
    "00112233-4455-6677-8899-aabbccddeeff", "00112233-4455-6677-8899-AABBCCDDEEFG", "ä", "😀", "a\x00b",
    "2024-01-01\x00 junk", "12:30\x00", "1.5\x00x", "00112233-4455-6677-8899-aabbccddeeff\x00z",
]


@pytest.mark.parametrize("declared", ["TEXT DATETIME", "TEXT DATE", "TEXT DATETIMEOFFSET", "TEXT SMALLDATETIME",
                                      "TEXT TIME", "TEXT DECIMAL(5,2)", "TEXT DECIMAL(38,10)", "TEXT MONEY",
                                      "TEXT DECIMAL(2,2)", "TEXT UNIQUEIDENTIFIER"])
def test_texts_one_by_one(declared):
    conn = sqlite3.connect(":memory:")
    for rowid, want, got in _per_value(conn, declared, TEXT_CASES):
        assert repr(want) == repr(got), (declared, TEXT_CASES[rowid - 1], want, got)


@pytest.mark.parametrize("column", [[0.0, -0.0], [-0.0, 0.0], [-0.0], [1.5, -1.5, -0.0], [-2.5, 2.5]])
def test_max_abs_keeps_the_first_of_equal_reals(column):
    conn = sqlite3.connect(":memory:")
    make_table(conn, ["", "BLOB", "REAL", "DECIMAL(5,2)"], [(v, v, v, v) for v in column])
    assert_same_stats(conn, "t")


def test_text_that_is_not_utf8():
    conn = sqlite3.connect(":memory:")
    samples = [Raw(b"\x80abc"), Raw(b"a\x80\xbfb"), Raw(b"\xc3"), Raw(b"\xc3\xa4\x80\x80"), Raw(b"\xf0\x9f\x98"),
               Raw(b"x\x00\x80"), Raw(b"\xbf\xbf")]
    make_table(conn, ["TEXT", "DATETIME", "DECIMAL(5,2)", "GUID", "TIME", "NVARCHAR(3)"],
               [(v,) * 6 for v in samples])
    assert conn.execute("SELECT count(*) FROM t WHERE typeof(c0) = 'text'").fetchone()[0] == len(samples)
    assert_same_stats(conn, "t")


def test_an_empty_table_gives_the_sql_nulls_and_zeros():
    conn = sqlite3.connect(":memory:")
    make_table(conn, DECLARED, [])
    assert_same_stats(conn, "t")


# ---- real data ----------------------------------------------------------------------------------------

def _import_vector(folder, name, vector):
    from azext_bacpac.engines import SqliteEngine
    from tests.vectors import import_vector
    import_vector(SqliteEngine(folder), name, vector)


VECTORS = ["bacpactod-types/Test.bacpac", "amado/AmadoDB.bacpac", "wingtip/wingtipcatalogdb.bacpac",
           "wingtip/wingtiptenantdb.bacpac", "gamerental-extracted", "unilinker-extracted"]


@pytest.mark.parametrize("vector", VECTORS)
def test_vectors_imported_then_derived_give_the_same_model(tmp_path, monkeypatch, vector):
    """Import a real package, forget its stored model (so the export derives one from the data),
    export the model with and without the compiled scan: the same model.xml bytes."""
    from azext_bacpac.engines import open_engine
    from azext_bacpac.engines.sqlite_catalog import PACKAGE_TABLE, TABLES_TABLE
    from tests.conftest import vectors_dir
    if not (vectors_dir() / vector).exists():
        pytest.skip(f"{vector} not present")
    _import_vector(tmp_path, "v", vector)
    conn = sqlite3.connect(tmp_path / "v.sqlite")
    conn.execute(f'DROP TABLE "{PACKAGE_TABLE}"')
    conn.execute(f'DROP TABLE "{TABLES_TABLE}"')
    conn.commit()
    for table in read_tables(conn):
        assert_same_stats(conn, table)
    conn.close()
    models = {}
    for switch in ("1", "0"):
        monkeypatch.setenv(native.ENVIRONMENT_SWITCH, switch)
        before = SCAN.counters()["scans"]
        with open_engine(f"sqlite:///{tmp_path}").export_source("v") as source:
            models[switch] = source.model.to_bytes()
        used = SCAN.counters()["scans"] - before
        assert (used > 0) == (switch == "1")
    assert models["1"] == models["0"]


def test_the_bench_tables_give_the_same_statistics(tmp_path):
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import bench      # the benchmark's generator: every common type, NULLs, non-ASCII text
    finally:
        sys.path.remove(str(REPO / "scripts"))
    path = tmp_path / "bench.sqlite"
    bench.generate(path, rows=30_000, size_mb=3, seed=7)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    tables = list(read_tables(conn))
    assert "events" in tables and "wide30" in tables
    for table in tables:
        assert_same_stats(conn, table, (True, False))


# ---- the native path runs, and hands over what it must -------------------------------------------

class SpyConnection(sqlite3.Connection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.statements = []

    def execute(self, sql, *args):
        self.statements.append(sql)
        return super().execute(sql, *args)


def test_scan_uses_the_compiled_scanner_and_no_aggregate_query():
    conn = sqlite3.connect(":memory:", factory=SpyConnection)
    make_table(conn, ["INT", "DECIMAL(10,2)", "DATETIME", "NVARCHAR(5)", "GUID"],
               [(1, 2.5, "2024-01-01 10:00:00", "ä", str(uuid.uuid4())), (2, "x", "2024-02-30", None, "no")])
    candidates = candidates_of(conn, "t")
    before = SCAN.counters()
    stats = derive.scan(conn, "t", candidates, partial=True)
    after = SCAN.counters()
    assert after["scans"] == before["scans"] + 1 and after["rows"] == before["rows"] + 2
    assert after["delegated"] == before["delegated"] + 1          # '2024-02-30': SQLite decides
    assert not [s for s in conn.statements if "group_concat" in s]
    assert stats["c1"].bad == 1 and stats["c2"].bad == 0 and stats["c4"].bad == 1


def test_without_the_module_the_sql_scan_runs(monkeypatch):
    conn = sqlite3.connect(":memory:", factory=SpyConnection)
    make_table(conn, ["INT", "TEXT"], [(1, "a"), (2, "bb")])
    candidates = candidates_of(conn, "t")
    native_stats = derive.scan(conn, "t", candidates, partial=True)
    monkeypatch.setenv(native.ENVIRONMENT_SWITCH, "0")
    before = SCAN.counters()["scans"]
    assert derive.scan(conn, "t", candidates, partial=True) == native_stats
    assert SCAN.counters()["scans"] == before
    assert [s for s in conn.statements if "group_concat" in s]


def test_a_utf16_database_is_left_to_the_sql(tmp_path):
    conn = sqlite3.connect(tmp_path / "u16.sqlite")
    conn.execute("PRAGMA encoding = 'UTF-16le'")
    make_table(conn, ["NVARCHAR(10)"], [("äb",), ("😀",)])
    conn.commit()
    assert derive._native_scanner(conn) is None
    stats = derive.scan(conn, "t", candidates_of(conn, "t"))
    assert (stats["c0"].text_min, stats["c0"].text_max, stats["c0"].non_ascii) == (1, 2, True)


def test_sqlite_errors_and_bad_input_hand_back_to_python():
    conn = sqlite3.connect(":memory:")
    make_table(conn, ["INT"], [(1,)])
    spec = derive._native_spec(derive.candidate_for("INT"), range(13))
    assert SCAN.scan(conn, "SELECT c0 FROM no_such_table", [], [spec]) is None
    assert SCAN.scan(conn, "SELECT c0, c0 FROM t", [], [spec]) is None            # one column per spec
    broken = spec[:5] + ("SELECT no_such_function(?1), 0, 0, 0",)
    job = {"select": "SELECT c0 FROM t", "specs": [broken]}
    assert derive._run_native(SCAN, conn, job) is not None                        # nothing needed handing over
    conn.execute("INSERT INTO t VALUES ('2024-02-30')")
    date = derive._native_spec(derive.candidate_for("DATE"), range(13))
    assert SCAN.scan(conn, "SELECT c0 FROM t", [], [date[:5] + ("SELECT no_such_function(?1), 0, 0, 0",)]) is None
    assert derive._run_native(SCAN, conn, {"select": "SELECT c0 FROM t", "specs": [("nope", False, 0, 0, 1, "")]}) \
        is None
    with pytest.raises(TypeError):
        SCAN.scan(object(), "SELECT 1", [], [])
    closed = sqlite3.connect(":memory:")
    closed.close()
    with pytest.raises(Exception):
        SCAN.scan(closed, "SELECT 1", [], [spec])


def test_every_family_with_a_bad_expression_has_a_native_kind():
    for declared in DECLARED:
        candidate = derive.candidate_for(declared)
        kind = derive._native_spec(candidate, range(13))[0]
        assert (kind != "") == (derive._bad_expression(candidate, "c") is not None), declared


# ---- the parallel range scan ---------------------------------------------------------------------

def _file_table(tmp_path, rows=3000):
    rng = random.Random(7)
    path = tmp_path / "r.sqlite"
    conn = sqlite3.connect(path)
    make_table(conn, ["INTEGER PRIMARY KEY", "DECIMAL(12,2)", "DATETIME2(3)", "NVARCHAR(30)", "FLOAT", "GUID"],
               [(i, round(rng.uniform(-1e5, 1e5), 2), f"2024-0{rng.randrange(1, 10)}-1{rng.randrange(10)} "
                 f"10:11:{rng.randrange(60):02d}.{rng.randrange(1000):03d}", "ł" * rng.randrange(30),
                 rng.random(), str(uuid.UUID(int=rng.getrandbits(128)))) for i in range(1, rows + 1)])
    conn.execute("INSERT INTO t VALUES (NULL, 'x', '2024-13-01', NULL, 'y', 'no')")
    conn.commit()
    return conn


def test_range_scans_give_the_same_statistics(tmp_path, monkeypatch):
    conn = _file_table(tmp_path)
    candidates = candidates_of(conn, "t")
    results = []
    for switch, threshold in (("0", 10 ** 12), ("1", 10 ** 12), ("1", 100), ("0", 100)):
        monkeypatch.setenv(native.ENVIRONMENT_SWITCH, switch)
        monkeypatch.setattr(derive, "PARALLEL_SCAN_ROWS", threshold)
        monkeypatch.setattr(derive, "PARALLEL_NATIVE_SCAN_ROWS", threshold)
        for partial in (True, False):
            stats = derive.scan(conn, "t", candidates, partial=partial, rowid="rowid")
            results.append((partial, {n: stats_key(s) for n, s in stats.items()}))
    assert all(r == results[i % 2] for i, r in enumerate(results))


def test_the_range_helper_uses_the_compiled_scanner(tmp_path):
    """The helper process runs the native job when it can (its SQL here is a decoy that would give
    a different row) and the SQL when the native scan cannot run."""
    conn = _file_table(tmp_path, rows=500)
    candidates = candidates_of(conn, "t")
    job = derive._native_job("t", list(candidates), candidates, True)
    where = " NOT INDEXED WHERE rowid BETWEEN ? AND ?"
    package = str(Path(native.__file__).resolve().parents[1])
    decoy = "SELECT 'decoy' WHERE ? <= ?"

    def helper(fast):
        request = {"uri": f"file:{tmp_path / 'r.sqlite'}?mode=ro", "timeout": 5.0, "sql": decoy, "low": 10,
                   "high": 400, "native": fast}
        out = subprocess.run([sys.executable, "-c", derive._HELPER], input=json.dumps(request).encode(),
                             capture_output=True, check=True, env={**os.environ, "BACPAC_NATIVE": "1"})
        return json.loads(out.stdout)

    expected = derive._run_native(SCAN, conn, job, where, (10, 400))
    assert helper({"package": package, "select": job["select"] + where, "specs": job["specs"]}) == \
        json.loads(json.dumps(expected))
    assert helper(None) == ["decoy"]
    assert helper({"package": package, "select": "SELECT nothing FROM t" + where, "specs": job["specs"]}) == ["decoy"]
