"""The native import loader (native/_load.c via engines/sqlite_native_import.py) against the pure path.

Every test runs the same BCP bytes both ways and requires the same outcome: the same stored values
(compared with typeof(), row by row) or the same error class and message. Inputs: the real
vectors, hypothesis-generated rows of every covered type (NULLs, edge values, impossible values,
non-ASCII / emoji / NUL / unpaired surrogates, broken framing) and damaged real data parts.
"""
import io
import random
import sqlite3
import types
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from azext_bacpac import native
from azext_bacpac.engines import sqlite_native_import
from azext_bacpac.engines.sqlite_ddl import ColumnPlan, TablePlan, plan_tables, sqlite_table_name
from azext_bacpac.engines.sqlite_import import _TableLoader
from azext_bacpac.engines.sqlite_native_import import NativeTableLoad, column_ops
from azext_bacpac.engines.sqlite_types import declared_type
from azext_bacpac.errors import BacpacError
from azext_bacpac.format.errors import BacpacFormatError
from azext_bacpac.format.bcp import READ_CHUNK, ColumnLayout, RowCodec
from azext_bacpac.format.package import PackageReader, table_layout
from azext_bacpac.format.sqltypes import SqlType, codec_for
from azext_bacpac.pipelines import import_package
from tests.vectors import ALL, vector_bytes

LOAD = native.module("_load")
pytestmark = pytest.mark.skipif(LOAD is None, reason="native module _load not built")


# ---- running one table's bytes both ways -------------------------------------------------------

def _plan(columns, name="T"):
    plans = [ColumnPlan(f"c{i}", sql_type, declared_type(sql_type), nullable)
             for i, (sql_type, nullable) in enumerate(columns)]
    return TablePlan(types.SimpleNamespace(full_name=f"[dbo].[{name}]"), name, plans)


def _layout(plan):
    return [ColumnLayout(c.name, c.sql_type, c.nullable, c.encrypted) for c in plan.columns]


def _stored(conn, plan):
    names = [f'"{c.name}"' for c in plan.columns]
    select = ", ".join(f"typeof({n}), {n}" for n in names)
    return conn.execute(f'SELECT {select} FROM "{plan.sqlite_name}" ORDER BY rowid').fetchall()


def run(plan, data, use_native, chunk=None):
    """('ok', stored rows) or (error class, message); the loader counts rows as importing.py does."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute(plan.create_table_sql())
    conn.execute("BEGIN")
    loader = _TableLoader(conn, plan)
    stream = io.BytesIO(data)
    try:
        if use_native:
            load = NativeTableLoad.create(loader, _layout(plan))
            assert load is not None, "the native loader refused a covered table"
            try:
                for inserted, rows, _ in load.stream_batches(stream, "part", len(data)):
                    loader.insert(rows)
                    loader.rows += inserted
            finally:
                load.close()
        else:
            for rows in RowCodec(plan.table.full_name, _layout(plan)).decode_stream(stream, "part", len(data)):
                loader.insert(rows)
    except (BacpacError, BacpacFormatError) as error:
        return type(error), str(error)
    return "ok", _stored(conn, plan)


def both(plan, data):
    native_result = run(plan, data, True)
    pure_result = run(plan, data, False)
    assert native_result == pure_result
    return pure_result


# ---- the real vectors, whole packages both ways --------------------------------------------------

def _database_values(path):
    conn = sqlite3.connect(path)
    tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    values = {}
    for table in tables:
        columns = [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]
        select = ", ".join(f'typeof("{c}"), "{c}"' for c in columns)
        values[table] = conn.execute(f'SELECT {select} FROM "{table}" ORDER BY rowid').fetchall()
    schema = conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    conn.close()
    return schema, values


def _import_both(tmp_path, package, monkeypatch, **options):
    results = {}
    for mode in ("native", "pure"):
        folder = tmp_path / mode
        folder.mkdir()
        monkeypatch.setenv(native.ENVIRONMENT_SWITCH, "1" if mode == "native" else "0")
        before = sqlite_native_import.STATISTICS["rows"]
        try:
            summary = import_package(str(package), f"sqlite:///{folder}", "db", **options)
        except (BacpacError, BacpacFormatError) as error:
            results[mode] = (type(error), str(error), sqlite_native_import.STATISTICS["rows"] - before)
            assert list(folder.iterdir()) == []
            continue
        summary.pop("elapsedSeconds")
        for key in ("path", "databasePath", "storageUri", "server"):
            summary.pop(key)
        results[mode] = ("ok", summary, _database_values(folder / "db.sqlite"),
                         sqlite_native_import.STATISTICS["rows"] - before)
    monkeypatch.delenv(native.ENVIRONMENT_SWITCH)
    return results["native"], results["pure"]


@pytest.mark.parametrize("name", ALL)
def test_every_vector_imports_the_same_natively(tmp_path, monkeypatch, name):
    package = tmp_path / "v.bacpac"
    package.write_bytes(vector_bytes(name))
    native_result, pure_result = _import_both(tmp_path, package, monkeypatch, workers=0)
    assert native_result[:-1] == pure_result[:-1]
    assert pure_result[-1] == 0
    if native_result[0] == "ok" and native_result[1]["rows"]:
        # the proof that C did the work: most rows of a real package go through it
        assert native_result[-1] > 0


def test_the_vectors_use_the_native_loader_for_most_tables():
    covered = total = 0
    for name in ALL:
        with PackageReader(io.BytesIO(vector_bytes(name)), verify_checksum=False) as reader:
            tables = [t for t in reader.tables if t.entries]
            plans, _ = plan_tables(reader.model, [t.table for t in reader.tables])
            plans = {p.table.full_name: p for p in plans}
            for data in tables:
                total += 1
                covered += column_ops(plans[data.full_name], table_layout(reader.model, data.table)) is not None
    assert total and covered >= 0.8 * total, (covered, total)


# ---- hypothesis: every covered type, valid, edge and impossible values ----------------------------

def _t(name, length=None, precision=None, scale=None, is_max=False):
    return SqlType(name, length=length, precision=precision, scale=scale, is_max=is_max)


TYPES = [
    _t("tinyint"), _t("smallint"), _t("int"), _t("bigint"), _t("bit"), _t("real"), _t("float"), _t("money"),
    _t("smallmoney"), _t("decimal", precision=18, scale=0), _t("decimal", precision=10, scale=0),
    _t("numeric", precision=19, scale=0), _t("decimal", precision=38, scale=0), _t("decimal", precision=38, scale=10),
    _t("decimal", precision=12, scale=2), _t("numeric", precision=5, scale=5), _t("date"), _t("time", scale=0),
    _t("time", scale=3), _t("time", scale=7), _t("datetime2", scale=0), _t("datetime2", scale=3),
    _t("datetime2", scale=7), _t("datetimeoffset", scale=0), _t("datetimeoffset", scale=7), _t("datetime"),
    _t("smalldatetime"), _t("uniqueidentifier"), _t("nvarchar", length=10), _t("nvarchar", is_max=True),
    _t("varchar", length=20), _t("nchar", length=5), _t("char", length=4), _t("text"), _t("ntext"), _t("xml"),
    _t("sysname"), _t("binary", length=8), _t("varbinary", length=30), _t("varbinary", is_max=True), _t("image"),
    _t("rowversion"), _t("geography"),
]


def rare(rare_strategy, usual_strategy, one_in=12):
    """usual_strategy, and now and then rare_strategy (impossible or edge values)."""
    return st.integers(0, one_in - 1).flatmap(lambda k: rare_strategy if k == 0 else usual_strategy)


def _le(value, width):
    return (value % (1 << (8 * width))).to_bytes(width, "little")


def _fixed_value(sql_type):
    """Strategy for the value bytes of a fixed-width type (valid mostly, any bytes sometimes)."""
    name = sql_type.name
    if name in ("decimal", "numeric"):
        precision, scale = sql_type.precision, sql_type.scale or 0
        head = rare(st.tuples(st.integers(0, 255), st.integers(0, 255)), st.just((precision, scale)))
        magnitude = rare(st.integers(0, 2**128 - 1), st.one_of(st.integers(0, 10**precision - 1),
                                                              st.sampled_from([0, 1, 10**precision - 1])))
        return st.builds(lambda h, sign, m: bytes([h[0], h[1], sign]) + m.to_bytes(16, "little"),
                         head, rare(st.integers(0, 255), st.sampled_from([0, 1])), magnitude)
    if name == "date":
        return st.builds(lambda d: _le(d, 3), rare(st.integers(0, 2**24 - 1),
                                                   st.one_of(st.integers(0, 3652058), st.sampled_from([0, 3652058]))))
    ticks = rare(st.integers(0, 2**40 - 1), st.one_of(st.integers(0, 864_000_000_000 - 1),
                                                      st.sampled_from([0, 1, 864_000_000_000 - 1, 10**7, 5 * 10**6])))
    days = rare(st.integers(0, 2**24 - 1), st.one_of(st.integers(0, 3652058), st.sampled_from([0, 3652058])))
    if name == "time":
        return st.builds(lambda t: _le(t, 5), ticks)
    if name == "datetime2":
        return st.builds(lambda t, d: _le(t, 5) + _le(d, 3), ticks, days)
    if name == "datetimeoffset":
        offset = rare(st.sampled_from([-32768, -1440, -1439, 1439, 1440, 32767]), st.integers(-840, 840))
        return st.builds(lambda t, d, o: _le(t, 5) + _le(d, 3) + _le(o, 2), ticks, days, offset)
    if name == "datetime":
        day = rare(st.integers(-2**31, 2**31 - 1), st.one_of(st.integers(-53690, 2958463),
                                                             st.sampled_from([-693595, -693596, 2958463, 2958464])))
        tick = rare(st.integers(0, 2**32 - 1), st.one_of(st.integers(0, 25919999), st.sampled_from([0, 25919999,
                                                                                                      25920000])))
        return st.builds(lambda d, t: _le(d, 4) + _le(t, 4), day, tick)
    if name == "smalldatetime":
        return st.builds(lambda d, m: _le(d, 2) + _le(m, 2), st.integers(0, 65535),
                         rare(st.integers(0, 65535), st.integers(0, 1439)))
    width = codec_for(sql_type, False).width
    return st.binary(min_size=width, max_size=width)


_TEXT = st.text(st.characters(codec="utf-16", exclude_categories=("Cs",)), max_size=12) | \
    st.sampled_from(["", "\x00", "a\x00b", "😀", "é€", "\ufeffx", " " * 3])
_ODD_TEXT = st.sampled_from(["\ud800", "a\udc00", "\udbff\udfff", "\udc00\ud800", "x\ud83d"]).map(
    lambda s: s.encode("utf-16-le", "surrogatepass")) | st.binary(min_size=1, max_size=9).filter(lambda b: len(b) % 2)


def _text_value(limit):
    usual = _TEXT.map(lambda s: s.encode("utf-16-le", "surrogatepass"))
    return rare(_ODD_TEXT, usual).filter(lambda b: limit is None or len(b) <= limit)


def _cell(sql_type, nullable):
    """Strategy for one cell's BCP bytes, framing included."""
    codec = codec_for(sql_type, nullable)
    name = sql_type.name
    if hasattr(codec, "width"):
        value = _text_value(codec.width).map(lambda b: b.ljust(codec.width, b" ")[:codec.width]) \
            if name == "char" else _fixed_value(sql_type)
        if not nullable and not codec.prefix_not_null:
            return value
        framed = value.map(lambda b: bytes([codec.width]) + b)
        bad = st.sampled_from([0, 1, 254, 255] if not nullable else [0, 1, 254]).map(bytes)
        usual = st.one_of(framed, st.just(b"\xff")) if nullable else framed
        return rare(bad, usual, one_in=40)
    limit = codec.max_bytes
    value = _text_value(limit) if sql_type.is_character else \
        st.binary(max_size=min(limit or 40, 40))
    prefix = codec.prefix
    framed = value.map(lambda b: len(b).to_bytes(prefix, "little") + b)
    null = st.just(b"\xff" * prefix)
    too_long = st.just(((limit or 2**31 - 1) + 1).to_bytes(prefix, "little")) if prefix < 8 or limit is None \
        else st.just(b"")
    usual = st.one_of(framed, null) if nullable else framed
    return rare(st.one_of(null, too_long), usual, one_in=40)


@st.composite
def tables(draw, max_columns=5, max_rows=25):
    columns = draw(st.lists(st.tuples(st.sampled_from(TYPES), st.booleans()), min_size=1, max_size=max_columns))
    cells = [_cell(sql_type, nullable) for sql_type, nullable in columns]
    rows = draw(st.lists(st.tuples(*cells), max_size=max_rows))
    data = b"".join(b"".join(row) for row in rows)
    cut = draw(rare(st.integers(0, len(data)), st.just(len(data)), one_in=10))
    return _plan(columns), data[:cut]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(tables())
def test_generated_rows_of_every_type_store_the_same_values_or_fail_the_same_way(table):
    plan, data = table
    both(plan, data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(TYPES), st.booleans()), min_size=1, max_size=6), st.integers(0, 2**32))
def test_valid_rows_of_every_type_go_through_c_entirely(columns, seed):
    """Valid values only (no rare draws): the C loader stores every row, Python stores none."""
    plan = _plan(columns)
    rng = random.Random(seed)
    data = b"".join(_valid_row(columns, rng) for _ in range(30))
    result = both(plan, data)
    assert result[0] == "ok" and len(result[1]) == 30
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute(plan.create_table_sql())
    loader = _TableLoader(conn, plan)
    load = NativeTableLoad.create(loader, _layout(plan))
    batches = list(load.stream_batches(io.BytesIO(data), "part", len(data)))
    assert [(inserted, rows) for inserted, rows, _ in batches] == [(30, [])]
    assert load.rows_loaded == 30


def _valid_row(columns, rng):
    """A row of valid values (the codecs' own encoders), for the all-in-C test."""
    import datetime
    import decimal
    import uuid
    out = []
    for sql_type, nullable in columns:
        name = sql_type.name
        if nullable and rng.random() < 0.2:
            value = None
        elif name in ("tinyint", "smallint", "int", "bigint"):
            bits = {"tinyint": 8, "smallint": 16, "int": 32, "bigint": 64}[name]
            value = rng.randrange(0, 256) if name == "tinyint" else rng.randrange(-2**(bits - 1), 2**(bits - 1))
        elif name == "bit":
            value = rng.random() < 0.5
        elif name in ("real", "float"):
            value = rng.choice([0.0, -0.0, 1.5, -2.25e10, 3.4e38 if name == "real" else 1.7e308, rng.random()])
        elif name in ("money", "smallmoney"):
            bits = 64 if name == "money" else 32
            value = decimal.Decimal(rng.randrange(-2**(bits - 1), 2**(bits - 1))).scaleb(-4)
        elif name in ("decimal", "numeric"):
            value = decimal.Decimal(rng.randrange(-(10**sql_type.precision - 1), 10**sql_type.precision)) \
                .scaleb(-(sql_type.scale or 0))
        elif name in ("date", "datetime2", "datetimeoffset", "time"):
            moment = datetime.datetime(1, 1, 1) + datetime.timedelta(days=rng.randrange(1, 3652058),
                                                                     microseconds=rng.randrange(0, 86400 * 10**6))
            if name == "date":
                value = moment.date()
            elif name == "time":
                value = moment.time()
            elif name == "datetimeoffset":
                value = moment.replace(tzinfo=datetime.timezone(datetime.timedelta(minutes=rng.randrange(-840, 841))))
            else:
                value = moment
        elif name == "datetime":
            value = datetime.datetime(1753, 1, 1) + datetime.timedelta(days=rng.randrange(0, 2958463 - 53690),
                                                                       milliseconds=rng.randrange(0, 86400000))
        elif name == "smalldatetime":
            value = datetime.datetime(1900, 1, 1) + datetime.timedelta(days=rng.randrange(0, 65000),
                                                                       minutes=rng.randrange(0, 1440))
        elif name == "uniqueidentifier":
            value = uuid.UUID(int=rng.getrandbits(128))
        elif sql_type.is_character:
            value = "".join(rng.choice("aZ é€😀\x00") for _ in range(rng.randrange(0, 3)))
        else:
            value = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 8)))
        out.append(value)
    layout = [ColumnLayout(f"c{i}", t, n) for i, (t, n) in enumerate(columns)]
    try:
        return RowCodec("[dbo].[T]", layout).encode(out)
    except (BacpacError, BacpacFormatError):
        # a value a NOT NULL char(n) / binary(n) / datetimeoffset cannot hold: try again
        return _valid_row(columns, rng)


# ---- specific cases ----------------------------------------------------------------------------------

def _rows(columns, rows):
    layout = [ColumnLayout(f"c{i}", t, n) for i, (t, n) in enumerate(columns)]
    return _plan(columns), RowCodec("[dbo].[T]", layout).encode_many(rows)


def test_text_of_every_kind_and_surrogates():
    plan, data = _rows([(_t("nvarchar", is_max=True), True)],
                       [("plain",), ("é€😀",), ("a\x00b",), ("",), (None,), ("\ufeff",), ("x" * 5000,)])
    assert both(plan, data)[0] == "ok"
    plan, data = _rows([(_t("nvarchar", is_max=True), True)], [("fine",), ("bad \ud800 half",), ("after",)])
    kind, message = both(plan, data)
    assert "unpaired UTF-16 surrogate" in message and "after row 0" in message


def test_a_row_sqlite_refuses_is_reported_as_before():
    plan, data = _rows([(_t("int"), False)], [(1,), (2,), (3,)])
    plan.primary_key = types.SimpleNamespace(display_name=None, columns=[("c0", True)])
    data += data[4:8]           # a second row with id 2
    kind, message = both(plan, data)
    assert "SQLite refused a row after row 0" in message and "UNIQUE" in message


def test_null_in_a_not_null_text_column_and_impossible_prefixes():
    text = _t("nvarchar", length=4)
    plan = _plan([(text, False)])
    assert "NOT NULL" in both(plan, b"\x02\x00a\x00" + b"\xff\xff")[1]
    assert "length prefix 10 is impossible" in both(plan, b"\x02\x00a\x00" + b"\x0a\x00" + b"x" * 10)[1]
    bit = _plan([(_t("bit"), False)])
    assert "length prefix 255 is impossible" in both(bit, b"\x01\x01\xff")[1]


def test_rows_split_over_reads_and_rows_larger_than_a_read():
    plan, data = _rows([(_t("varbinary", is_max=True), True), (_t("int"), False)],
                       [(b"x" * (READ_CHUNK + 123), 1), (b"", 2), (None, 3), (b"y" * (3 * READ_CHUNK), 4)] +
                       [(bytes([i % 256]) * (i % 700), i) for i in range(3000)])
    result = both(plan, data)
    assert result[0] == "ok" and len(result[1]) == 3004


def test_truncated_and_overlong_data_give_the_same_messages():
    plan, data = _rows([(_t("nvarchar", length=50), True), (_t("datetime2", scale=7), False)],
                       [(f"row {i}", None) if False else (f"row {i}", __import__("datetime").datetime(2020, 1, 1))
                        for i in range(100)])
    for cut in (1, 7, len(data) // 2, len(data) - 1):
        result = both(plan, data[:cut])
        assert result[0] is not None and result[0] != "ok"
    declared = bytearray(data)
    declared[0:2] = (90).to_bytes(2, "little")   # 45 characters declared, more than are there
    both(plan, bytes(declared))


# ---- damaged real data parts ---------------------------------------------------------------------------

def _vector_tables():
    found = []
    for name in ALL:
        with PackageReader(io.BytesIO(vector_bytes(name)), verify_checksum=False) as reader:
            plans, _ = plan_tables(reader.model, [t.table for t in reader.tables])
            plans = {p.table.full_name: p for p in plans}
            for data in reader.tables:
                layout = table_layout(reader.model, data.table)
                if not data.entries or column_ops(plans[data.full_name], layout) is None:
                    continue
                raw = b"".join(b"".join(chunks) for _, chunks in reader.raw_parts(data))
                if raw:
                    found.append((f"{name}:{data.full_name}", plans[data.full_name], raw))
    return found


def test_damaged_real_data_parts_fail_the_same_way_and_never_crash():
    rng = random.Random(20261122)
    cases = _vector_tables()
    assert len(cases) > 10
    outcomes = set()
    for label, plan, raw in cases:
        for _ in range(12):
            data = bytearray(raw)
            kind = rng.choice(["flip", "flips", "truncate", "zero", "ones", "splice"])
            if kind == "flip":
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
            elif kind == "flips":
                for _ in range(rng.randrange(2, 20)):
                    data[rng.randrange(len(data))] = rng.randrange(256)
            elif kind == "truncate":
                del data[rng.randrange(len(data)):]
            elif kind in ("zero", "ones"):
                at = rng.randrange(len(data))
                data[at:at + 8] = (b"\x00" if kind == "zero" else b"\xff") * len(data[at:at + 8])
            else:
                at = rng.randrange(len(data))
                data[at:at] = raw[rng.randrange(len(raw)):][:rng.randrange(1, 64)]
            result = both(plan, bytes(data))
            outcomes.add(result[0] if result[0] == "ok" else result[0].__name__)
    assert "ok" in outcomes and "DataError" in outcomes, outcomes


def test_a_damaged_package_is_refused_with_the_same_message(tmp_path, monkeypatch):
    source = vector_bytes("amado/AmadoDB.bacpac")
    rng = random.Random(7)
    with zipfile.ZipFile(io.BytesIO(source)) as archive:
        entries = [(info.filename, info.date_time, info.compress_type, archive.read(info.filename))
                   for info in archive.infolist()]
    parts = [name for name, _, _, data in entries if name.endswith(".BCP") and len(data) > 200]
    messages = set()
    for case in range(8):
        victim = rng.choice(parts)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as copy:
            for name, date_time, method, data in entries:
                if name == victim:
                    data = bytearray(data)
                    if case % 2:
                        del data[rng.randrange(len(data)):]
                    else:
                        for _ in range(3):
                            data[rng.randrange(len(data))] = rng.randrange(256)
                    data = bytes(data)
                copy.writestr(zipfile.ZipInfo(name, date_time), data, method)
        package = tmp_path / f"bad{case}.bacpac"
        package.write_bytes(out.getvalue())
        folder = tmp_path / f"case{case}"
        folder.mkdir()
        native_result, pure_result = _import_both(folder, package, monkeypatch)
        assert native_result[:-1] == pure_result[:-1]
        messages.add(native_result[0] if native_result[0] == "ok" else native_result[1])
    assert any(m != "ok" for m in messages)


# ---- the module's own guards ---------------------------------------------------------------------------

def test_loader_checks_its_arguments_and_its_connection():
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("CREATE TABLE t (a)")
    with pytest.raises(TypeError):
        LOAD.Loader(object(), "INSERT INTO t VALUES (?)", [(2, 0, 0, 0, 0, 4, 0)])
    with pytest.raises(ValueError):
        LOAD.Loader(conn, "INSERT INTO t VALUES (?, ?)", [(2, 0, 0, 0, 0, 4, 0)])
    for bad in [(99, 0, 0, 0, 0, 4, 0), (2, 0, 0, 0, 0, 3, 0), (18, 2, 3, 0, 0, 0, 10), (2, 2, 2, 0, 0, 0, 10),
                (12, 0, 0, 0, 8, 5, 0), (18, 0, 0, 0, 0, 0, 0)]:
        with pytest.raises(ValueError):
            LOAD.Loader(conn, "INSERT INTO t VALUES (?)", [bad])
    with pytest.raises(ValueError):
        LOAD.Loader(conn, "INSERT INTO nowhere VALUES (?)", [(2, 0, 0, 0, 0, 4, 0)])
    loader = LOAD.Loader(conn, "INSERT INTO t VALUES (?)", [(2, 0, 0, 0, 0, 4, 0)])
    assert loader.load(b"\x01\x00\x00\x00\x02\x00\x00\x00\x03") == (8, 2, None)
    assert loader.load(b"\x01\x00\x00\x00", 4) == (4, 0, None)
    with pytest.raises(ValueError):
        loader.load(b"abcd", 5)
    assert conn.execute("SELECT a FROM t").fetchall() == [(1,), (2,)]
    conn.close()
    with pytest.raises(ValueError):
        loader.load(b"\x01\x00\x00\x00")
    loader.close()


def test_damaged_compressed_data_is_refused_with_the_same_message(tmp_path, monkeypatch):
    """Bytes flipped inside a data part's deflate stream: zlib or the CRC-32 check fails; the read
    ahead in a thread must raise it where the plain read would."""
    source = vector_bytes("amado/AmadoDB.bacpac")
    with zipfile.ZipFile(io.BytesIO(source)) as archive:
        infos = [i for i in archive.infolist() if i.filename.endswith(".BCP") and i.compress_size > 64]
    rng = random.Random(11)
    outcomes = set()
    for case in range(10):
        info = rng.choice(infos)
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
        data = bytearray(source)
        for _ in range(1 + case % 3):
            data[start + rng.randrange(info.compress_size)] ^= 1 << rng.randrange(8)
        package = tmp_path / f"z{case}.bacpac"
        package.write_bytes(bytes(data))
        folder = tmp_path / f"case{case}"
        folder.mkdir()
        native_result, pure_result = _import_both(folder, package, monkeypatch)
        assert native_result[:-1] == pure_result[:-1]
        outcomes.add(native_result[0] if native_result[0] == "ok" else native_result[1].split(":")[-1])
    assert len(outcomes) > 1, outcomes


class _Chunks:
    """A stream that returns at most `step` bytes per read beyond the first and fails at `fail_at`."""

    def __init__(self, data, fail_at=None):
        self.data, self.pos, self.fail_at = data, 0, fail_at

    def read(self, size):
        if self.fail_at is not None and self.pos + size >= self.fail_at:
            raise zipfile.BadZipFile("Bad CRC-32 for file 'x'")
        out = self.data[self.pos:self.pos + size]
        self.pos += len(out)
        return out


@pytest.mark.parametrize("sizes", [[READ_CHUNK] * 4, [READ_CHUNK, 3 * READ_CHUNK + 5, READ_CHUNK, READ_CHUNK]])
def test_read_ahead_gives_the_reads_asked_for_and_their_errors(sizes):
    import concurrent.futures
    data = bytes(range(256)) * (4 * READ_CHUNK // 256 + 77)
    with concurrent.futures.ThreadPoolExecutor(1) as executor:
        plain, ahead = _Chunks(data), sqlite_native_import.ReadAhead(_Chunks(data), executor)
        for size in sizes + [READ_CHUNK, READ_CHUNK]:
            assert ahead.read(size) == plain.read(size)
        ahead.close()
        fail_at = 2 * READ_CHUNK - 10
        plain, ahead = _Chunks(data, fail_at), sqlite_native_import.ReadAhead(_Chunks(data, fail_at), executor)
        assert ahead.read(READ_CHUNK) == plain.read(READ_CHUNK)      # the read ahead has failed meanwhile
        with pytest.raises(zipfile.BadZipFile):
            plain.read(READ_CHUNK)
        with pytest.raises(zipfile.BadZipFile):
            ahead.read(READ_CHUNK)
        ahead.close()


# ---- the pipeline: progress, cancel and the total check on the native path ------------------------------

@pytest.fixture(scope="module")
def big_package(tmp_path_factory):
    from azext_bacpac.pipelines import export_database
    folder = tmp_path_factory.mktemp("big")
    conn = sqlite3.connect(folder / "src.sqlite")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name NVARCHAR(40) NOT NULL, amount DECIMAL(12, 2), "
                 "at DATETIME2(3))")
    conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?)",
                     ((i, f"name {i} é😀", f"{i % 9999}.{i % 100:02d}", f"2020-01-02 03:04:05.{i % 1000:03d}")
                      for i in range(1, 60_001)))
    conn.commit()
    conn.close()
    export_database(f"sqlite:///{folder}", "src", str(folder / "big.bacpac"), workers=0)
    return folder / "big.bacpac"


def test_a_native_import_reports_progress_per_buffer_and_loads_in_c(big_package, tmp_path):
    reports = []
    before = sqlite_native_import.STATISTICS["rows"]
    summary = import_package(str(big_package), f"sqlite:///{tmp_path}", "copy", progress=reports.append)
    assert summary["rows"] == 60_000
    assert sqlite_native_import.STATISTICS["rows"] - before == 60_000
    rows = [r["rows"] for r in reports if r["phase"] == "data"]
    assert len(set(rows)) >= 3 and rows == sorted(rows)        # a report about every MiB


def test_a_cancelled_native_import_leaves_nothing(big_package, tmp_path):
    from azext_bacpac.errors import CancelledError
    calls = []
    with pytest.raises(CancelledError):
        import_package(str(big_package), f"sqlite:///{tmp_path}", "copy",
                       cancel=lambda: calls.append(1) or len(calls) > 4)
    assert list(tmp_path.iterdir()) == []


# ---- cells their column cannot hold: the C loader hands them to Python, which names them ---------

def test_cells_that_do_not_fit_their_column_fail_the_same_way_in_c(monkeypatch):
    from tests.format.test_cell_validation import BAD_CELLS, ID, _cell
    before = sqlite_native_import.STATISTICS["rows"]
    for case in BAD_CELLS:
        column, cell, message = case.values
        plan = _plan([ID, column])
        good = b"\x01\x00\x00\x00" + _cell(column, codec_for(column[0], column[1]).encode)
        outcome = both(plan, good * 3 + b"\x02\x00\x00\x00" + cell)
        assert outcome[0] is not None and "row 4" in outcome[1] and "column c1" in outcome[1] \
            and message in outcome[1], (case.id, outcome)
    assert sqlite_native_import.STATISTICS["rows"] > before            # C loaded the good rows itself


def test_decimals_and_money_become_the_same_numbers_as_in_python():
    """INTEGER, REAL (C's fast path and its strtod fallback) or exact text: the same value, bit for bit."""
    import decimal
    rng = random.Random(14)
    for precision, scale in ((38, 0), (38, 4), (38, 38), (19, 19), (16, 2), (12, 2), (28, 10)):
        values = [None, decimal.Decimal(0), -decimal.Decimal(1).scaleb(-scale)]
        for digits in (1, 7, 14, 15, 16, 17, precision):
            for _ in range(12):
                magnitude = rng.randrange(10 ** min(digits, precision))
                value = decimal.Decimal(magnitude).scaleb(-scale)
                values.append(-value if rng.random() < 0.5 else value)
        plan, data = _rows([(_t("decimal", precision=precision, scale=scale), True)], [(v,) for v in values])
        kind, stored = both(plan, data)
        classes = {row[0] for row in stored}
        assert kind == "ok" and ("real" in classes or not scale) and ("text" in classes) == (precision > 15)
    money = [(decimal.Decimal(v).scaleb(-4),) for v in (0, 1, -1, 915700, 2**63 - 1, -2**63, 10**15 + 1)]
    plan, data = _rows([(_t("money"), True)], money)
    assert both(plan, data)[0] == "ok"
