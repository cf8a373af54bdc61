"""The native export encoder (azext_bacpac/native/_encode.c) against the pure-Python path.

Every test runs both paths on the same SQLite data and asserts the same BCP bytes, or the same
error (type and message, row numbers included). The native path must also be seen to run (its
row counters), so that a silent fallback to Python cannot pass.
"""
import datetime
import decimal
import math
import sqlite3
import struct
import uuid
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from azext_bacpac import native
from azext_bacpac.engines import SqliteEngine, sqlite_native
from azext_bacpac.engines.sqlite_export import TableReadSpec
from azext_bacpac.engines.sqlite_types import export_fast_adapter
from azext_bacpac.format.bcp import ColumnLayout, RowCodec
from azext_bacpac.format.sqltypes import SqlType
from azext_bacpac.pipelines import parallel
from azext_bacpac.pipelines.export import export_database
from tests.vectors import ALL, import_vector

encode_module = native.module("_encode")
pytestmark = pytest.mark.skipif(encode_module is None, reason="native _encode not built")

TABLE = "[dbo].[t]"


# ---- helpers ---------------------------------------------------------------------------------------

class InvalidUtf8:
    """A TEXT value whose bytes are not UTF-8 (stored with CAST(blob AS TEXT))."""

    def __init__(self, raw):
        self.raw = raw

    def __repr__(self):
        return f"InvalidUtf8({self.raw!r})"


def make_table(columns, rows):
    """An in-memory database holding `rows` in a table of untyped columns (values keep their
    storage class as given), and its spec and codec for `columns` [(SqlType, nullable[, encrypted])]."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    names = [f"c{i}" for i in range(len(columns))]
    conn.execute(f"CREATE TABLE t ({', '.join(names)})")
    for row in rows:
        marks = ", ".join("CAST(? AS TEXT)" if isinstance(v, InvalidUtf8) else "?" for v in row)
        conn.execute(f"INSERT INTO t VALUES ({marks})", [v.raw if isinstance(v, InvalidUtf8) else v for v in row])
    conn.execute("BEGIN")
    columns = [column if len(column) == 3 else (*column, False) for column in columns]
    layouts = [ColumnLayout(name, sql_type, nullable, encrypted)
               for name, (sql_type, nullable, encrypted) in zip(names, columns)]
    outputs = []
    for i, (sql_type, _, encrypted) in enumerate(columns):
        adapter = export_fast_adapter(sql_type, encrypted)
        outputs.append(i if adapter is None else (adapter, i))
    spec = TableReadSpec(TABLE, "t", tuple(names), tuple(outputs), "rowid", tuple(names),
                         tuple(str(column[0]) for column in columns))
    return conn, spec, RowCodec(TABLE, layouts)


def run_path(conn, spec, codec, native_on, batch_rows=3, part=None):
    """[(bytes, rows)] of one path, or ('error', type, message)."""
    def encode(rows, done):
        return parallel._encode(codec, rows, TABLE, part, done)
    try:
        if native_on:
            return list(sqlite_native.encoded_batches(conn, spec, codec, part, encode, batch_rows))
        return list(sqlite_native.python_batches(conn, spec, part, encode, batch_rows))
    except Exception as error:   # noqa: BLE001 - compared between the paths
        return ("error", type(error).__name__, str(error))


def assert_same(columns, rows, batch_rows=3):
    conn, spec, codec = make_table(columns, rows)
    assert sqlite_native.column_ops(spec, codec, encode_module) is not None, "type not covered"
    before = encode_module.stats()
    native_result = run_path(conn, spec, codec, True, batch_rows)
    after = encode_module.stats()
    pure = run_path(conn, spec, codec, False, batch_rows)
    assert native_result == pure
    touched = (after["rows"] - before["rows"]) + (after["fallbacks"] - before["fallbacks"])
    assert touched or not rows, "the native encoder did not run"
    return native_result, after["rows"] - before["rows"], after["fallbacks"] - before["fallbacks"]


# ---- value strategies: canonical forms and odd ones, per type ---------------------------------------

ODD = st.one_of(st.none(), st.integers(-2**63, 2**63 - 1), st.floats(allow_nan=False),
                st.text(max_size=8), st.binary(max_size=8))


def integers_for(low, high):
    edges = [v for v in (low, high, low - 1, high + 1, 0, -1) if -2**63 <= v < 2**63]   # SQLite's range
    return st.one_of(st.integers(low, high), st.sampled_from(edges),
                     st.integers(-2**63, 2**63 - 1), st.floats(allow_nan=False), ODD)


def decimal_texts(precision, scale):
    digits = st.integers(-(10 ** precision) + 1, 10 ** precision - 1)

    def canonical(n):
        text = str(abs(n)).rjust(scale + 1, "0")
        body = text[:-scale] + "." + text[-scale:] if scale else text
        return ("-" if n < 0 else "") + body

    odd = st.sampled_from(["-0", "-0.00", "+5", "5.", ".5", "-.5", "1e3", "1E-2", "2.5e+1", " 5", "5 ", "1_000",
                           "inf", "NaN", "--1", "", ".", "0" * 60 + "1", "9" * 40, "1e999999", "0e-999999",
                           "0.005", "0.0049999", "12.345", "-12.345", "99999999999999999999.995"])
    return st.one_of(digits.map(canonical), odd, st.decimals(allow_nan=False, allow_infinity=False).map(str),
                     st.integers(-2**63, 2**63 - 1), st.floats(allow_nan=False),
                     st.floats(-1e6, 1e6).map(lambda x: round(x, scale)), ODD)


def chars(ascii_only=False):
    # Surrogates left out: Python's sqlite3 cannot store them (SQLite text is UTF-8); text that is
    # not UTF-8 in the database comes from InvalidUtf8 below.
    alphabet = st.characters(max_codepoint=127) if ascii_only else st.characters(exclude_categories=("Cs",))
    return st.one_of(st.text(alphabet, max_size=12), st.text(max_size=12),
                     st.sampled_from(["", "\x00", "a\x00b", "😀", "é", "𐍈x", " ", "ab  "]),
                     st.binary(max_size=4).map(InvalidUtf8), st.sampled_from([InvalidUtf8(b"\xff\xfe"),
                                                                              InvalidUtf8(b"a\xed\xa0\x80")]),
                     ODD)


datetimes = st.datetimes(min_value=datetime.datetime(1, 1, 1), max_value=datetime.datetime(9999, 12, 31, 23, 59, 59))
hundred_ns = st.integers(0, 9_999_999)


def timestamp_texts(with_zone=False):
    def form(args):
        value, fraction, digits, separator, zone = args
        text = value.strftime("%Y-%m-%d") if value.year >= 1000 else f"{value.year:04d}" + value.strftime("-%m-%d")
        if separator is not None:
            text += separator + value.strftime("%H:%M:%S")
            if digits:
                text += "." + f"{fraction:07d}"[:digits] + "0" * max(0, digits - 7)
        if zone is not None:
            text += zone
        return text
    zones = st.sampled_from([None, " +00:00", " -05:30", "+0530", "Z", " Z", " +14:00", " -23:59", " +24:00",
                             " +05:99", "  +01:00"] if with_zone else [None, None, None, " +00:00", "Z", " +01:00"])
    built = st.tuples(datetimes, hundred_ns, st.sampled_from([0, 0, 1, 3, 7, 7, 8, 9]),
                      st.sampled_from([" ", " ", "T", None]), zones).map(form)
    odd = st.sampled_from(["2020-02-30 00:00:00", "0000-01-01", "2020-13-01", "2020-01-01 24:00:00",
                           "2020-01-01 12:60:00", "2020-01-01 12:00:60", "2020-01-01 12:00:00.", "2020-1-01",
                           "2020-01-01 12:00", "2020-01-01T12:00:00", "2020-01-01 12:00:00.12345678",
                           "2020-01-01 12:00:00.12345670", "2020-01-01 12:00:00.00000000", "9999-12-31 23:59:59.9999999",
                           "0001-01-01 00:00:00", "2020-01-01 12:00:00 +01:00", "2020-01-01 12:00:00Z",
                           "１２３４-01-01", "2020-01-01  12:00:00", "2020-01-01 12:00:00 ", "1899-12-31 23:59:59.999",
                           # rounding edges of datetime (1/300 s) and smalldatetime (minutes)
                           "2003-02-01 11:22:33.005", "2003-02-01 23:59:59.9983333", "2003-02-01 23:59:59.999",
                           "1900-01-01 00:00:00.0016666", "2003-02-01 23:59:30", "2003-02-01 23:59:29.999",
                           "2079-06-06 23:59:29", "2079-06-06 23:59:30", "1899-12-31 23:59:30"])
    return st.one_of(built, odd, ODD)


def time_texts():
    def form(args):
        seconds, fraction, digits = args
        text = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}"
        if digits >= 0:
            text += f":{seconds % 60:02d}"
            if digits:
                text += "." + f"{fraction:07d}"[:digits] + "0" * max(0, digits - 7)
        return text
    odd = st.sampled_from(["24:00:00", "12:60", "12:00:60", "1:00:00", "12:00:00.", "12:00:00.12345678",
                           "12:00:00.1234567000", "12:00:0", "12:00 ", "T12:00:00"])
    return st.one_of(st.tuples(st.integers(0, 86399), hundred_ns, st.sampled_from([-1, 0, 1, 3, 7, 9])).map(form),
                     odd, ODD)


def guid_texts():
    return st.one_of(st.uuids().map(lambda u: str(u).upper()), st.uuids().map(str),
                     st.uuids().map(lambda u: "{" + str(u) + "}"), st.uuids().map(lambda u: u.hex),
                     st.sampled_from(["0D8AD5E2-7A7A-5844-D5DE-9D7B3FAB948G", "0D8AD5E2+7A7A-5844-D5DE-9D7B3FAB9482"]),
                     ODD)


# (SqlType, strategy of its SQLite values)
COLUMN_KINDS = [
    (SqlType("tinyint"), integers_for(0, 255)),
    (SqlType("smallint"), integers_for(-2**15, 2**15 - 1)),
    (SqlType("int"), integers_for(-2**31, 2**31 - 1)),
    (SqlType("bigint"), integers_for(-2**63, 2**63 - 1)),
    (SqlType("bit"), st.one_of(st.integers(-3, 3), ODD)),
    (SqlType("real"), st.one_of(st.floats(width=32), st.floats(allow_nan=False),
                                st.sampled_from([3.4028235677973366e38, 3.4028235677973362e38, 3.402823669e38,
                                                 math.inf, -math.inf, 1e-46, -0.0]), ODD)),
    (SqlType("float"), st.one_of(st.floats(allow_nan=False), st.integers(-2**63, 2**63 - 1), ODD)),
    (SqlType("decimal", precision=12, scale=2), decimal_texts(12, 2)),
    (SqlType("decimal", precision=38, scale=10), decimal_texts(38, 10)),
    (SqlType("numeric", precision=18, scale=0), decimal_texts(18, 0)),
    (SqlType("decimal", precision=5, scale=5), decimal_texts(5, 5)),
    (SqlType("decimal", precision=38, scale=0), decimal_texts(38, 0)),
    (SqlType("decimal", precision=30, scale=25), decimal_texts(30, 25)),
    (SqlType("money"), decimal_texts(19, 4)),
    (SqlType("smallmoney"), decimal_texts(10, 4)),
    (SqlType("nvarchar", length=10), chars()),
    (SqlType("nvarchar", is_max=True), chars()),
    (SqlType("varchar", length=10), chars(ascii_only=True)),
    (SqlType("varchar", is_max=True), chars()),
    (SqlType("char", length=4), chars(ascii_only=True)),
    (SqlType("nchar", length=3), chars()),
    (SqlType("ntext"), chars()),
    (SqlType("text"), chars(ascii_only=True)),
    (SqlType("xml"), chars()),
    (SqlType("sysname"), chars()),
    (SqlType("varbinary", length=6), st.one_of(st.binary(max_size=10), ODD)),
    (SqlType("varbinary", is_max=True), st.one_of(st.binary(max_size=10), ODD)),
    (SqlType("binary", length=4), st.one_of(st.binary(max_size=6), ODD)),
    (SqlType("image"), st.one_of(st.binary(max_size=10), ODD)),
    (SqlType("rowversion"), st.one_of(st.binary(min_size=8, max_size=8), ODD)),
    (SqlType("geography"), st.one_of(st.binary(max_size=10), ODD)),
    (SqlType("uniqueidentifier"), guid_texts()),
    (SqlType("date"), timestamp_texts()),
    (SqlType("time", scale=7), time_texts()),
    (SqlType("datetime2", scale=3), timestamp_texts()),
    (SqlType("datetime2", scale=7), timestamp_texts()),
    (SqlType("datetime"), timestamp_texts()),
    (SqlType("smalldatetime"), timestamp_texts()),
    (SqlType("datetimeoffset", scale=7), timestamp_texts(with_zone=True)),
]


@st.composite
def tables(draw):
    kinds = draw(st.lists(st.sampled_from(COLUMN_KINDS), min_size=1, max_size=4))
    columns = [(sql_type, draw(st.booleans())) for sql_type, _ in kinds]
    rows = draw(st.lists(st.tuples(*[values for _, values in kinds]), max_size=8))
    return columns, rows, draw(st.integers(1, 4))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_any_table_encodes_as_the_python_path_does(table):
    columns, rows, batch_rows = table
    assert_same(columns, rows, batch_rows)


@pytest.mark.parametrize("sql_type,values", COLUMN_KINDS, ids=[str(t) for t, _ in COLUMN_KINDS])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_type_alone(sql_type, values, data):
    nullable = data.draw(st.booleans())
    rows = data.draw(st.lists(st.tuples(values), min_size=1, max_size=6))
    assert_same([(sql_type, nullable)], rows, batch_rows=2)


# ---- targeted cases --------------------------------------------------------------------------------

def test_canonical_values_never_fall_back():
    columns = [(SqlType("int"), False), (SqlType("decimal", precision=12, scale=2), False),
               (SqlType("datetime2", scale=3), False), (SqlType("nvarchar", length=60), False),
               (SqlType("float"), True), (SqlType("nvarchar", length=800), True),
               (SqlType("uniqueidentifier"), True), (SqlType("date"), True), (SqlType("time", scale=0), True),
               (SqlType("datetime"), True), (SqlType("datetimeoffset", scale=7), True),
               (SqlType("varbinary", length=16), True), (SqlType("bit"), False), (SqlType("money"), True)]
    rows = [(i, 429923.12 + i, f"2026-03-28 21:38:13.{i % 1000:03d}", f"name {i} é😀", i / 7, None,
             str(uuid.UUID(int=i * 7919)).upper(), "2003-02-01", "11:22:33", "2003-02-01 11:22:33.123",
             "2003-02-01 11:22:33.1234567 +04:55", bytes([i % 256]) * 3, i % 2, f"{i}.1234")
            for i in range(50)]
    result, native_rows, fallbacks = assert_same(columns, rows, batch_rows=7)
    assert native_rows == 50 and fallbacks == 0
    assert [n for _, n in result] == [7] * 7 + [1]


def test_odd_values_fall_back_per_row_with_the_same_bytes():
    columns = [(SqlType("int"), True), (SqlType("decimal", precision=12, scale=2), True),
               (SqlType("datetime2", scale=7), True)]
    rows = [(1, "1.25", "2020-01-01 00:00:00"),
            (2, " 1.255", "2020-01-01 00:00:00"),      # spaces: Python strips them
            (2, "1.255", "2020-01-01 00:00:00"),       # rounded half up, natively
            (3, "1.25", "2020-01-01T00:00:00"),         # ISO 'T': Python's path
            (4, 7, "2020-01-01"),
            (5, "1.25", "2020-01-01 00:00:00.1")]
    result, native_rows, fallbacks = assert_same(columns, rows, batch_rows=10)
    assert (native_rows, fallbacks) == (3, 3)
    assert [n for _, n in result] == [6]


GOOD = {"tinyint": 1, "int": 1, "bigint": 1, "date": "2020-01-01", "uniqueidentifier": str(uuid.UUID(int=5)),
        "nvarchar": "ok", "decimal": "1.00"}


@pytest.mark.parametrize("value,column", [(256, "tinyint"), ("12", "int"), (1.5, "bigint"), (None, "int"),
                                          ("2020-02-30", "date"), ("x", "uniqueidentifier"), (b"\x01", "nvarchar"),
                                          ("1e999", "decimal"), ("12345678901", "decimal")])
def test_errors_keep_their_messages_and_row_numbers(value, column):
    sql_type = SqlType("decimal", precision=10, scale=2) if column == "decimal" else SqlType(column, length=5)
    rows = [(GOOD[column], "2020-01-01", "ok")] * 6 + [(value, "2020-01-01", "ok"), (GOOD[column], None, None)]
    columns = [(sql_type, False), (SqlType("date"), True), (SqlType("nvarchar", length=5), True)]
    result, native_rows, _ = assert_same(columns, rows, batch_rows=4)
    assert result[0] == "error", result
    assert "row 7" in result[2], result
    assert native_rows >= 4


def test_error_precedence_within_a_batch_is_the_python_paths():
    # Row 2 cannot be encoded (out of range), row 3 cannot be mapped (bad date): the Python path
    # maps a whole batch before encoding it, so the mapping error (row 3) wins in that batch.
    columns = [(SqlType("tinyint"), True), (SqlType("date"), True)]
    rows = [(1, "2020-01-01"), (300, "2020-01-01"), (1, "2020-02-30"), (1, "2020-01-01")]
    result, _, _ = assert_same(columns, rows, batch_rows=4)
    assert result[0] == "error" and "row 3" in result[2]
    # And a SQLite error (undecodable text) in the same batch comes before both.
    columns.append((SqlType("nvarchar", length=5), True))
    rows = [row + ("x",) for row in rows[:3]] + [(1, "2020-01-01", InvalidUtf8(b"\xff"))]
    result, _, _ = assert_same(columns, rows, batch_rows=4)
    assert result[0] == "error" and "UTF-8" in result[2]
    # In separate batches, the earlier batch's error comes first.
    result, _, _ = assert_same(columns, rows, batch_rows=2)
    assert result[0] == "error" and "row 2" in result[2]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.binary(max_size=70000), ODD), st.one_of(st.binary(max_size=6), ODD)),
                max_size=5))
def test_always_encrypted_columns_are_their_ciphertext(rows):
    columns = [(SqlType("nvarchar", length=10), True, True), (SqlType("int"), False, True)]
    assert_same(columns, rows)


def test_refused_ops_leave_the_table_to_python(monkeypatch):
    conn, spec, codec = make_table([(SqlType("int"), False)], [(1,), (2,)])
    monkeypatch.setattr(sqlite_native, "column_ops", lambda *_: ((encode_module.FAMILIES["int"], 0, 0, 0, 3, 0),))
    before = encode_module.stats()
    assert run_path(conn, spec, codec, True) == [(struct.pack("<ii", 1, 2), 2)]
    assert encode_module.stats() == before


def test_parts_read_only_their_rows():
    columns = [(SqlType("int"), False), (SqlType("nvarchar", length=9), True)]
    conn, spec, codec = make_table(columns, [(i, f"v{i}") for i in range(100)])
    part = ("rowid", 11, 40)
    native_result = run_path(conn, spec, codec, True, batch_rows=8, part=part)
    assert native_result == run_path(conn, spec, codec, False, batch_rows=8, part=part)
    assert sum(n for _, n in native_result) == 30


def test_uncovered_types_take_the_python_path():
    conn, spec, codec = make_table([(SqlType("int"), False), (SqlType("sql_variant"), True)], [(1, 2)])
    assert sqlite_native.column_ops(spec, codec, encode_module) is None
    before = encode_module.stats()
    assert run_path(conn, spec, codec, True) == run_path(conn, spec, codec, False)
    assert encode_module.stats() == before


def test_switched_off_the_python_path_runs(monkeypatch):
    conn, spec, codec = make_table([(SqlType("int"), False)], [(1,), (2,)])
    monkeypatch.setenv(native.ENVIRONMENT_SWITCH, "0")
    before = encode_module.stats()
    assert run_path(conn, spec, codec, True) == [(struct.pack("<ii", 1, 2), 2)]
    assert encode_module.stats() == before


# ---- the Encoder's own guards ----------------------------------------------------------------------

def test_encoder_rejects_bad_ops_and_closed_connections():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (a)")
    conn.execute("INSERT INTO t VALUES (1)")
    family = encode_module.FAMILIES
    with pytest.raises(TypeError):
        encode_module.Encoder(object(), "SELECT a FROM t", [])
    for op in [(family["int"], 1, 0, 0, 4, 0), (family["int"], 0, 0, 0, 3, 0), (99, 0, 0, 0, 0, 0),
               (family["text"], 0, 1, 1, 0, 0), (family["decimal"], 0, 1, 1, 39, 0), (family["date"], 0, 0, 1, 0, 0),
               (family["int"], 0, 0, 0)]:
        with pytest.raises((ValueError, TypeError)):
            encode_module.Encoder(conn, "SELECT a FROM t", [op])
    with pytest.raises(sqlite3.OperationalError):
        encode_module.Encoder(conn, "SELECT nothing FROM nowhere", [])
    with pytest.raises(ValueError):
        encode_module.Encoder(conn, "SELECT 1; SELECT 2", [])
    encoder = encode_module.Encoder(conn, "SELECT a FROM t", [(family["int"], 0, 0, 0, 4, 0)])
    conn.close()
    with pytest.raises(sqlite3.ProgrammingError):
        encoder.read(10)
    del encoder                         # finalizes its statement on the closed handle


def test_encoder_streams_and_finishes():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (a)")
    conn.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(10)])
    encoder = encode_module.Encoder(conn, "SELECT a FROM t ORDER BY rowid",
                                    [(encode_module.FAMILIES["int"], 0, 0, 0, 8, 0)])
    assert encoder.read(4) == (struct.pack("<4q", 0, 1, 2, 3), 4, None)
    assert encoder.read(100) == (struct.pack("<6q", 4, 5, 6, 7, 8, 9), 6, None)
    assert encoder.finished
    assert encoder.read(100) == (b"", 0, None)
    assert (encoder.rows, encoder.fallbacks) == (10, 0)


# ---- whole exports: the real vectors through SQLite ----------------------------------------------

_import_vector = import_vector


def _data_entries(path):
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist() if name.startswith("Data/")}


@pytest.fixture(scope="module")
def vector_databases(tmp_path_factory):
    root = tmp_path_factory.mktemp("vector-dbs")
    engine = SqliteEngine(root)
    names = []
    for index, vector in enumerate(ALL):
        _import_vector(engine, f"v{index}", vector)
        names.append(f"v{index}")
    return root, names


@pytest.mark.parametrize("workers", [0, 2])
def test_vectors_export_the_same_packages(vector_databases, tmp_path, monkeypatch, workers):
    root, names = vector_databases
    for name in names:
        before = encode_module.stats()
        export_database(f"sqlite:///{root}", name, str(tmp_path / f"{name}-native.bacpac"), overwrite=True,
                        workers=workers, part_bytes=4096)
        if workers == 0 and name == names[0]:
            assert encode_module.stats()["rows"] > before["rows"], "the native encoder did not run"
        monkeypatch.setenv(native.ENVIRONMENT_SWITCH, "0")
        export_database(f"sqlite:///{root}", name, str(tmp_path / f"{name}-pure.bacpac"), overwrite=True,
                        workers=workers, part_bytes=4096)
        monkeypatch.delenv(native.ENVIRONMENT_SWITCH)
        native_data = _data_entries(tmp_path / f"{name}-native.bacpac")
        assert native_data == _data_entries(tmp_path / f"{name}-pure.bacpac"), name
        assert native_data or name != names[0]


def test_decimal_from_real_matches_repr_rounding():
    # The shortcut for REAL values must agree with Decimal(repr(x)).quantize(ROUND_HALF_UP).
    values = [1.005, 2.675, 0.125, 0.375, -1.005, 1e15 + 0.3, 123456.785, 5e-324, 1e22, 9.995, 0.045, -0.0,
              4503599627370495.5, 0.1 + 0.2]
    for scale in (0, 1, 2, 3, 4, 10):
        columns = [(SqlType("decimal", precision=38, scale=scale), True)]
        result, _, _ = assert_same(columns, [(v,) for v in values], batch_rows=100)
        expected = []
        for v in values:
            q = decimal.Decimal(repr(v)).quantize(decimal.Decimal(1).scaleb(-scale), rounding=decimal.ROUND_HALF_UP,
                                                   context=decimal.Context(prec=80))
            magnitude = abs(int(q.scaleb(scale, context=decimal.Context(prec=80))))
            expected.append(bytes([19, 38, scale, 0 if decimal.Decimal(repr(v)).is_signed() else 1])
                            + magnitude.to_bytes(16, "little"))
        assert result == [(b"".join(expected), len(values))]
