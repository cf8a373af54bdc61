"""A SQL Server model for SQLite tables that have none: declared types read, data checked.

SQLite types are dynamic: a column declared INTEGER may hold text. Each column's type is chosen in
two steps:
1. its declared type gives a candidate (table below). Names that mean different things in SQLite
   and SQL Server are read as SQLite means them (TEXT is nvarchar(max), DATETIME a datetime2,
   REAL an 8-byte float, TIMESTAMP a date and time); SQL Server names an import wrote
   (`TEXT DECIMAL(38,10)`, `DATETIME2(7)`, `NVARCHAR(MAX)`) read as themselves;
2. one aggregate scan of the table (no rows leave SQLite; the compiled scanner in
   azext_bacpac.native._scan computes the same statistics in one C pass where it is built) checks
   that every value fits the candidate exactly: storage classes, integer ranges, text lengths and non-ASCII text, decimal
   digits, date/time text that parses, GUID shape. Sizes widen as needed (int -> bigint,
   varchar(10) -> varchar(37), varchar -> nvarchar for non-ASCII text, char(n) -> varchar(n) when
   values are not padded). A column whose values do not fit its declared family takes the type its
   data calls for: integers -> int/bigint, numbers -> float, text -> nvarchar, blobs -> varbinary,
   and a mix of storage classes -> sql_variant, which keeps every value and its class (an EngineError
   names the row when a mixed value is too large for sql_variant: text over 4000 characters or a
   blob over 8000 bytes).

| declared | SQL Server |
| --- | --- |
| INTEGER, INT8, BIGINT, UNSIGNED BIG INT | bigint (INTEGER PRIMARY KEY: bigint IDENTITY primary key) |
| INT, INT4, MEDIUMINT / SMALLINT, INT2 / TINYINT | int / smallint / tinyint (widened by range) |
| BOOLEAN, BOOL, BIT | bit (when values are 0/1) |
| REAL, FLOAT, DOUBLE [PRECISION] | float |
| DECIMAL(p,s), NUMERIC(p,s) | decimal(p,s) when every value fits exactly; else float / by data |
| DECIMAL, NUMERIC (no precision), no type, unknown names | by data |
| TEXT, CLOB, STRING, JSON | nvarchar(max) (nvarchar(450) when part of a key) |
| VARCHAR(n), CHAR(n), NVARCHAR(n), NCHAR(n) | the same, widened to fit (nvarchar for non-ASCII) |
| BLOB | varbinary(max) (varbinary(900) when part of a key) |
| DATE | date ('YYYY-MM-DD' text) |
| DATETIME, TIMESTAMP | datetime2(s), s = most fractional digits seen (datetimeoffset(s) when text has offsets) |
| TIME | time(s) |
| GUID, UUID, UNIQUEIDENTIFIER | uniqueidentifier (canonical text) |
| any SQL Server type name | that type |

The model objects of a table (keys, defaults, checks, generated columns, indexes) are derived in
sqlite_derive_table.
"""
import json
import os
import re
import sqlite3
import struct
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field

from .. import native
from ..errors import EngineError
from ..format.sqltypes import SqlType
from .sqlite_schema import quote_ident
from .sqlite_types import INTEGER_RANGES

KEY_TEXT_LENGTH = 450          # nvarchar(450) = 900 bytes, SQL Server's clustered index key limit
KEY_BINARY_LENGTH = 900
MAX_VARIANT_TEXT = 4000        # characters of an nvarchar sql_variant value
MAX_VARIANT_BLOB = 8000
_STATS_PER_QUERY = 120         # columns per scan query (13 expressions each, SQLite allows 2000)
_GUID_GLOB = "-".join("[0-9A-F]" * n for n in (8, 4, 4, 4, 12))
_INTEGER_ORDER = ["tinyint", "smallint", "int", "bigint"]


@dataclass
class Candidate:
    family: str                 # integer, bit, float, decimal, money, char, binary, date, datetime,
    #                             datetimeoffset, time, guid, xml, variant, clr, rowversion, data
    sql_type: SqlType = None    # None: the data decides
    native_scale: bool = False  # SQLite DATETIME/TIME: the fractional digits in the data give the scale


def _t(name, length=None, precision=None, scale=None, is_max=False):
    return SqlType(name, length, precision, scale, is_max)


_TYPE_TEXT = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\s+[A-Za-z_][A-Za-z0-9_]*)*)\s*"
                        r"(?:\(\s*(?P<a>[+-]?\d+|max)\s*(?:,\s*(?P<b>[+-]?\d+)\s*)?\))?", re.I)
_FLOAT = SqlType("float", precision=53)
_SIMPLE = {   # declared name -> (family, SQL Server type)
    "TINYINT": ("integer", _t("tinyint")), "SMALLINT": ("integer", _t("smallint")), "INT": ("integer", _t("int")),
    "BIGINT": ("integer", _t("bigint")), "INTEGER": ("integer", _t("bigint")), "INT2": ("integer", _t("smallint")),
    "INT4": ("integer", _t("int")), "INT8": ("integer", _t("bigint")), "MEDIUMINT": ("integer", _t("int")),
    "UNSIGNED BIG INT": ("integer", _t("bigint")),
    "BIT": ("bit", _t("bit")), "BOOLEAN": ("bit", _t("bit")), "BOOL": ("bit", _t("bit")),
    "DOUBLE": ("float", _FLOAT), "DOUBLE PRECISION": ("float", _FLOAT), "FLOAT8": ("float", _FLOAT),
    "MONEY": ("money", _t("money")), "SMALLMONEY": ("money", _t("smallmoney")),
    "DATE": ("date", _t("date")), "SMALLDATETIME": ("datetime", _t("smalldatetime")),
    "UNIQUEIDENTIFIER": ("guid", _t("uniqueidentifier")), "GUID": ("guid", _t("uniqueidentifier")),
    "UUID": ("guid", _t("uniqueidentifier")),
    "XML": ("xml", _t("xml")), "SQL_VARIANT": ("variant", _t("sql_variant")),
    "GEOGRAPHY": ("clr", _t("geography")), "GEOMETRY": ("clr", _t("geometry")),
    "HIERARCHYID": ("clr", _t("hierarchyid")), "ROWVERSION": ("rowversion", _t("rowversion")),
    "IMAGE": ("binary", _t("image")), "NTEXT": ("char", _t("ntext")),
}
_TEXT_NAMES = {"CLOB", "STRING", "JSON", "CHARACTER VARYING", "VARYING CHARACTER", "NATIVE CHARACTER",
               "NVARCHAR2", "VARCHAR2", "CHARACTER", "NATIONAL CHARACTER", "NATIONAL VARYING CHARACTER"}
_LENGTH_TYPES = {"CHAR": "char", "VARCHAR": "varchar", "NCHAR": "nchar", "NVARCHAR": "nvarchar",
                 "BINARY": "binary", "VARBINARY": "varbinary"}


def candidate_for(declared):
    """The candidate SQL Server type for a declared SQLite type (see the module docstring)."""
    match = _TYPE_TEXT.fullmatch(declared.strip())
    if match is None:
        return _by_affinity(declared)
    words = match.group("name").upper().split()
    if len(words) > 1 and words[0] in ("TEXT", "BLOB", "ENCRYPTED"):
        if words[0] == "ENCRYPTED":
            return Candidate("binary", _t("varbinary", is_max=True))   # ciphertext; keys are not here
        words = words[1:]
    name = " ".join(words)
    a, b = match.group("a"), match.group("b")
    is_max = a is not None and a.upper() == "MAX"
    n = None if a is None or is_max else int(a)
    m = None if b is None else int(b)
    if name in _SIMPLE:
        return Candidate(*_SIMPLE[name])
    if name in _LENGTH_TYPES:
        type_name = _LENGTH_TYPES[name]
        family = "binary" if "BINARY" in name else "char"
        if is_max or (n is None and type_name in ("varchar", "nvarchar", "varbinary")):
            return Candidate(family, _t(type_name, is_max=True))
        return Candidate(family, _t(type_name, length=n or 1))
    if name in ("DECIMAL", "NUMERIC", "DEC"):
        type_name = "numeric" if name == "NUMERIC" else "decimal"
        if n is None:
            return Candidate("data")
        return Candidate("decimal", _t(type_name, precision=max(1, min(n, 38)), scale=max(0, min(m or 0, n))))
    if name == "REAL":
        return Candidate("float", _FLOAT)
    if name == "FLOAT":
        return Candidate("float", _t("real") if n is not None and n <= 24 else _FLOAT)
    if name == "TEXT":
        return Candidate("char", _t("nvarchar", is_max=True))
    if name in _TEXT_NAMES:
        return Candidate("char", _t("nvarchar", length=n) if n else _t("nvarchar", is_max=True))
    if name == "SYSNAME":
        return Candidate("char", _t("nvarchar", length=128))
    if name == "BLOB":
        return Candidate("binary", _t("varbinary", is_max=True))
    if name in ("DATETIME", "TIMESTAMP"):
        return Candidate("datetime", _t("datetime2", scale=7), native_scale=True)
    if name == "DATETIME2":
        return Candidate("datetime", _t("datetime2", scale=7 if n is None else n))
    if name == "DATETIMEOFFSET":
        return Candidate("datetimeoffset", _t("datetimeoffset", scale=7 if n is None else n))
    if name == "TIME":
        return Candidate("time", _t("time", scale=7 if n is None else n), native_scale=n is None)
    return _by_affinity(declared)


def _by_affinity(declared):
    """SQLite's own affinity rules, for names we do not know."""
    upper = declared.upper()
    if "INT" in upper:
        return Candidate("integer", _t("bigint"))
    if "CHAR" in upper or "CLOB" in upper or "TEXT" in upper:
        return Candidate("char", _t("nvarchar", is_max=True))
    if "BLOB" in upper:
        return Candidate("binary", _t("varbinary", is_max=True))
    if "REAL" in upper or "FLOA" in upper or "DOUB" in upper:
        return Candidate("float", _FLOAT)
    return Candidate("data")


# ---- the data scan -----------------------------------------------------------------------------

@dataclass
class Stats:
    classes: set = field(default_factory=set)     # storage classes present: integer, real, text, blob
    has_null: bool = False
    int_min: int = None
    int_max: int = None
    real_max_abs: float = None
    text_min: int = None
    text_max: int = None
    non_ascii: bool = False
    blob_min: int = None
    blob_max: int = None
    bad: int = 0                # values that do not fit the candidate's shape
    fraction_digits: int = None
    has_offset: bool = False
    has_seconds: bool = False     # date/time text with non-zero seconds (smalldatetime keeps minutes)
    partial: bool = False         # only the statistics its family needs (_NEEDED); _by_data needs all
    not_declared: str = None      # why the declared type could not be kept (derive_columns)


class _NeedAllStats(Exception):
    """choose_type fell back to the data's own type: the column needs every statistic."""


# The statistics (indexes into _stat_expressions) that choose_type reads for a column of each family
# while its values are what the family expects; a first scan computes only these. Any other case
# reaches _by_data, which raises _NeedAllStats on partial stats, and the column is scanned again in
# full. Families not listed are always scanned in full. Date/time families take the text lengths too
# (sqlite_facts.needs_detection: is every value as long as the import would write it?).
_NEEDED = {
    "integer": {0, 1, 2}, "bit": {0, 1, 2}, "float": {0}, "decimal": {0, 1, 2, 3, 9}, "money": {0, 1, 2, 3, 9},
    "char": {0, 4, 5, 6}, "xml": {0}, "binary": {0, 7, 8}, "date": {0, 4, 5, 9, 10, 11, 12},
    "datetime": {0, 4, 5, 9, 10, 11, 12}, "datetimeoffset": {0, 4, 5, 9, 10, 11, 12},
    "time": {0, 4, 5, 9, 10, 11, 12},
    "guid": {0, 9}, "clr": {0}, "rowversion": {0, 7, 8},
}
for _family in ("date", "datetime", "datetimeoffset", "time"):
    _NEEDED[_family] = _NEEDED[_family] | {4, 5}     # text lengths: sqlite_facts.needs_detection reads them
_CONSTANTS = ["NULL"] * 9 + ["0", "NULL", "0", "0"]    # what an unneeded statistic is replaced by


def _decimal_bounds(candidate):
    """(precision, scale) the 'bad' expression of a decimal or money column checks."""
    sql_type = candidate.sql_type
    if candidate.family == "decimal":
        return sql_type.precision or 18, sql_type.scale or 0
    return (19, 4) if sql_type.name == "money" else (10, 4)


def _bad_expression(candidate, c):
    family = candidate.family
    if family in ("decimal", "money"):
        precision, scale = _decimal_bounds(candidate)
        t = f"trim({c})"
        integer_part = f"(CASE WHEN instr({t}, '.') > 0 THEN substr({t}, 1, instr({t}, '.') - 1) ELSE {t} END)"
        digits = f"length(ltrim(replace(replace({integer_part}, '-', ''), '+', ''), '0'))"
        return (f"(typeof({c}) = 'real' AND {c} <> round({c}, {scale})) OR (typeof({c}) = 'text' AND ("
                f"{t} GLOB '*[^0-9.+-]*' OR {t} NOT GLOB '*[0-9]*' OR "
                f"length({t}) - length(replace({t}, '.', '')) > 1 OR "
                f"(instr({t}, '.') > 0 AND length({t}) - instr({t}, '.') > {scale}) OR "
                f"{digits} > {precision - scale}))")
    if family in ("date", "datetime", "datetimeoffset"):
        # julianday() rounds times late on 9999-12-31 (SQL Server's last day) to a day past its range:
        # the same text on the day before checks everything else
        return (f"typeof({c}) = 'text' AND ({c} NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*' "
                f"OR julianday({c}) IS NULL AND julianday(replace({c}, '9999-12-31', '9999-12-30')) IS NULL)")
    if family == "time":
        return f"typeof({c}) = 'text' AND ({c} NOT GLOB '[0-9][0-9]:[0-9][0-9]*' OR time({c}) IS NULL)"
    if family == "guid":
        return f"typeof({c}) = 'text' AND upper({c}) NOT GLOB '{_GUID_GLOB}'"
    return None


def _stat_expressions(candidate, c):
    text = f"typeof({c}) = 'text'"
    after_dot = f"substr({c}, instr({c}, '.') + 1)"
    bad = _bad_expression(candidate, c)
    timed = candidate.family in ("date", "datetime", "datetimeoffset", "time")
    return [
        f"group_concat(DISTINCT typeof({c}))",
        f"min(CASE WHEN typeof({c}) = 'integer' THEN {c} END)",
        f"max(CASE WHEN typeof({c}) = 'integer' THEN {c} END)",
        f"max(CASE WHEN typeof({c}) = 'real' THEN abs({c}) END)",
        f"min(CASE WHEN {text} THEN length({c}) END)",
        f"max(CASE WHEN {text} THEN length({c}) END)",
        f"max(CASE WHEN {text} THEN length(CAST({c} AS BLOB)) > length({c}) END)",
        f"min(CASE WHEN typeof({c}) = 'blob' THEN length({c}) END)",
        f"max(CASE WHEN typeof({c}) = 'blob' THEN length({c}) END)",
        f"sum(CASE WHEN {bad} THEN 1 ELSE 0 END)" if bad else "0",
        (f"max(CASE WHEN {text} AND instr({c}, '.') > 0 THEN length({after_dot}) - "
         f"length(ltrim({after_dot}, '0123456789')) END)") if timed else "NULL",
        # substr(c, -6) GLOB '<6 single-character classes>' is c GLOB '*<same>', without the scan for '*'
        (f"max({text} AND substr({c}, -6) GLOB '[+-][0-9][0-9]:[0-9][0-9]' AND substr({c}, -5) <> '00:00')")
        if timed else "0",
        f"max({text} AND length({c}) >= 19 AND substr({c}, 18, 2) <> '00')" if timed else "0",
    ]


def scan(conn, table, candidates, partial=False, rowid=None):
    """{column: Stats} from aggregate queries over the table (one per 120 columns).

    With `partial`, only the statistics each column's family needs (_NEEDED) are computed, and
    the Stats say so (partial=True) where anything was left out. With `rowid` (the name of the
    table's rowid), a large table may be scanned in rowid ranges by helper processes (_scan_in_ranges).
    """
    names = list(candidates)
    result = {}
    scanner = _native_scanner(conn)
    for start in range(0, len(names), _STATS_PER_QUERY):
        chunk = names[start:start + _STATS_PER_QUERY]
        expressions, cut = [], set()
        for name in chunk:
            full = _stat_expressions(candidates[name], quote_ident(name))
            needed = _NEEDED.get(candidates[name].family) if partial else None
            if needed is None:
                expressions += full
            else:
                expressions += [e if i in needed else _CONSTANTS[i] for i, e in enumerate(full)]
                cut.add(name)
        sql = f"SELECT {', '.join(expressions)} FROM {quote_ident(table)}"
        width = len(expressions) // len(chunk)
        job = _native_job(table, chunk, candidates, partial) if scanner else None
        row = _scan_in_ranges(conn, table, sql, width, rowid, job) if rowid else None
        if row is None and job:
            row = _run_native(scanner, conn, job)
        if row is None:
            row = conn.execute(sql).fetchone()
        for i, name in enumerate(chunk):
            (classes, int_min, int_max, real_max, text_min, text_max, non_ascii, blob_min, blob_max, bad,
             digits, offset, seconds) = row[width * i:width * (i + 1)]
            present = set((classes or "").split(",")) - {""}
            result[name] = Stats(present - {"null"}, "null" in present, int_min, int_max, real_max, text_min,
                                 text_max, bool(non_ascii), blob_min, blob_max, bad or 0, digits, bool(offset),
                                 bool(seconds), partial=name in cut)
    return result


# ---- the same statistics from the compiled scanner ----------------------------------------------
# azext_bacpac.native._scan steps a plain SELECT of the columns and computes the row scan() would
# get from its aggregate query, value for value (NULLs included). Values it cannot judge exactly in
# C it hands to SQLite one at a time, with the per-row expressions of statistics 9-12 below (the
# insides of the aggregates of _stat_expressions, on ?1). None from it, or no module, and the SQL runs.

_BAD_KINDS = {"decimal": "decimal", "money": "decimal", "date": "date", "datetime": "date",
              "datetimeoffset": "date", "time": "time", "guid": "guid"}
_TIMED = {"date", "datetime", "datetimeoffset", "time"}


def _native_scanner(conn):
    """The compiled scanner, when it may read this connection (a UTF-8 database: its text rules)."""
    return native.for_connection("_scan", conn, utf8=True)


def _row_expression(aggregate):
    """The per-row expression inside one of statistics 9-12 (sum(...) / max(...)), or the constant."""
    if aggregate in ("0", "NULL"):
        return aggregate
    assert aggregate[:4] in ("sum(", "max(") and aggregate.endswith(")"), aggregate
    return aggregate[4:-1]


def _native_spec(candidate, computed):
    """The compiled scanner's description of one column (see _scan.scan's doc)."""
    full = _stat_expressions(candidate, "?1")
    mask = sum(1 << i for i in computed if full[i] not in ("0", "NULL"))
    kind = _BAD_KINDS.get(candidate.family, "") if full[9] != "0" else ""
    precision, scale = _decimal_bounds(candidate) if kind == "decimal" else (0, 0)
    delegate = "SELECT " + ", ".join(_row_expression(e) for e in full[9:13])
    return kind, candidate.family in _TIMED, precision, scale, mask, delegate


def _native_job(table, names, candidates, partial):
    """{'select': the plain SELECT of the columns, 'specs': one _native_spec per column}."""
    specs = []
    for name in names:
        needed = _NEEDED.get(candidates[name].family) if partial else None
        specs.append(_native_spec(candidates[name], range(13) if needed is None else needed))
    return {"select": f"SELECT {', '.join(quote_ident(n) for n in names)} FROM {quote_ident(table)}", "specs": specs}


def _run_native(scanner, conn, job, where="", bounds=()):
    """The statistics row from the compiled scanner, or None (the SQL decides then)."""
    try:
        return scanner.scan(conn, job["select"] + where, list(bounds), job["specs"])
    except (ValueError, TypeError, OverflowError):
        return None


# ---- scanning a large table with several processes ---------------------------------------------
# Each helper is a plain `python -c` process that runs the same aggregate query over one rowid range
# of the file; the aggregates combine exactly (min, max, sum, union of storage classes). Only for
# rollback-journal files: this export's read transaction keeps writers from committing, so every
# helper reads the same snapshot. WAL and in-memory databases are scanned with one query.

PARALLEL_SCAN_ROWS = 200_000
_COMBINE = ("union", "min", "max", "max", "min", "max", "max", "min", "max", "sum", "max", "max", "max")
PARALLEL_NATIVE_SCAN_ROWS = 2_000_000     # the compiled scanner (~0.25 us a row): below this, a helper
#                                           process costs more CPU than the wall time it saves
_HELPER = """
import json, sqlite3, sys
job = json.load(sys.stdin)
conn = sqlite3.connect(job["uri"], uri=True, timeout=job["timeout"])
row, fast = None, job["native"]
if fast:
    try:
        import types
        package = types.ModuleType("azext_bacpac")      # the native modules without the CLI loader
        package.__path__ = [fast["package"]]
        sys.modules.setdefault("azext_bacpac", package)
        from azext_bacpac import native
        if native.connection_ok(conn) and native.module("_scan") is not None:
            row = native.module("_scan").scan(conn, fast["select"], [job["low"], job["high"]],
                                              [tuple(spec) for spec in fast["specs"]])
    except Exception:
        row = None
if row is None:
    row = conn.execute(job["sql"], (job["low"], job["high"])).fetchone()
json.dump(list(row), sys.stdout)
"""


def _scan_in_ranges(conn, table, sql, width, rowid, job=None):
    """The combined aggregate row over rowid ranges scanned in parallel, or None (not worth it or
    not possible: the caller runs the one query itself). With `job` (_native_job), each range is
    scanned by the compiled scanner where it can, by the SQL where not: the rows are the same."""
    helpers = min(os.cpu_count() or 1, 8) - 1
    if helpers < 1 or os.name != "posix" or not sys.executable:
        return None
    try:
        path = next((row[2] for row in conn.execute("PRAGMA database_list") if row[1] == "main"), "")
        if not path or str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
            return None
        # min and max apart: each is one b-tree descent (together, they are a scan of the table)
        low = conn.execute(f"SELECT min({rowid}) FROM {quote_ident(table)}").fetchone()[0]
        high = conn.execute(f"SELECT max({rowid}) FROM {quote_ident(table)}").fetchone()[0]
        threshold = PARALLEL_NATIVE_SCAN_ROWS if job else PARALLEL_SCAN_ROWS
        if low is None or high - low + 1 < threshold:
            return None
        count = conn.execute(f"SELECT count(*) FROM {quote_ident(table)} NOT INDEXED").fetchone()[0]
    except sqlite3.Error:
        return None
    if count < threshold:
        return None
    where = f" NOT INDEXED WHERE {rowid} BETWEEN ? AND ?"
    ranged = sql + where
    fast = None
    if job:
        package = os.path.dirname(os.path.dirname(os.path.abspath(native.__file__)))
        fast = {"package": package, "select": job["select"] + where, "specs": job["specs"]}
    step = (high - low) // (helpers + 1) + 1
    bounds = [(low + i * step, min(high, low + (i + 1) * step - 1)) for i in range(helpers + 1)]
    uri = "file:" + urllib.request.pathname2url(os.path.abspath(path)) + "?mode=ro"
    processes = []
    try:
        for range_low, range_high in bounds[1:]:
            process = subprocess.Popen([sys.executable, "-c", _HELPER], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            process.stdin.write(json.dumps({"uri": uri, "timeout": 5.0, "sql": ranged, "low": range_low,
                                            "high": range_high, "native": fast}).encode())
            process.stdin.close()
            processes.append(process)
        first = _run_native(native.module("_scan"), conn, job, where, bounds[0]) if job else None
        rows = [first if first is not None else conn.execute(ranged, bounds[0]).fetchone()]
        for process in processes:
            out = process.stdout.read()
            if process.wait() != 0:
                return None
            rows.append(json.loads(out))
    except (OSError, ValueError, sqlite3.Error):
        return None
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
            process.stdout.close()
    combined = list(rows[0])
    for row in rows[1:]:
        for i, value in enumerate(row):
            old = combined[i]
            if value is None:
                continue
            kind = _COMBINE[i % width]
            if old is None:
                combined[i] = value
            elif kind == "union":
                combined[i] = ",".join(sorted(set(old.split(",")) | set(value.split(","))))
            elif kind == "min":
                combined[i] = min(old, value)
            elif kind == "max":
                combined[i] = max(old, value)
            else:
                combined[i] = old + value
    return combined


# ---- choosing the type -------------------------------------------------------------------------

class MixedValues(Exception):
    """A column mixes storage classes with a value too large for sql_variant."""


def choose_type(candidate, stats, key=False):
    """The SQL Server type that holds every value of the column exactly (see the module docstring)."""
    chosen = declared_fit(candidate, stats, key)
    return chosen if chosen is not None else _by_data(stats, key, prefer_variant=candidate.family == "variant")


def declared_fit(candidate, stats, key=False):
    """The declared family's type, sized for the data, or None when the values do not all fit it."""
    classes, family, sql_type = stats.classes, candidate.family, candidate.sql_type
    if not classes:
        return sql_type or (_t("nvarchar", length=KEY_TEXT_LENGTH) if key else _t("nvarchar", is_max=True))
    if family == "integer" and classes <= {"integer"}:
        return _t(_widen_integer(sql_type.name, stats))
    if family == "bit" and classes <= {"integer"}:
        return _t("bit") if 0 <= stats.int_min and stats.int_max <= 1 else _t(_widen_integer("tinyint", stats))
    if family == "float" and classes <= {"integer", "real"}:
        return sql_type
    if family in ("decimal", "money") and classes <= {"integer", "real", "text"} and not stats.bad:
        chosen = _fit_decimal(sql_type, stats) if family == "decimal" else sql_type
        if chosen is not None:
            return chosen
    if family == "char" and classes <= {"text"}:
        return _fit_text(sql_type, stats, key)
    if family == "xml" and classes <= {"text"}:
        return sql_type
    if family == "binary" and classes <= {"blob"}:
        return _fit_binary(sql_type, stats, key)
    if family in ("date", "datetime", "datetimeoffset", "time") and classes <= {"text"} and not stats.bad:
        return _fit_temporal(candidate, stats)
    if family == "guid" and classes <= {"text"} and not stats.bad:
        return sql_type
    if family == "clr" and classes <= {"blob"}:
        return sql_type
    if family == "rowversion" and classes <= {"blob"} and stats.blob_min == stats.blob_max == 8:
        return sql_type
    return None


def why_not_declared(candidate, stats):
    """Why a column's values do not fit its declared family (for the warning that names it)."""
    expected = _CLASSES.get(candidate.family)
    if expected is not None and not stats.classes <= expected:
        return f"it holds {' and '.join(sorted(stats.classes - expected))} values"
    if stats.bad:
        return f"{stats.bad} value(s) are not {candidate.sql_type} values SQL Server can hold"
    return f"its values do not fit {candidate.sql_type}"


_CLASSES = {"integer": {"integer"}, "bit": {"integer"}, "float": {"integer", "real"},
            "decimal": {"integer", "real", "text"}, "money": {"integer", "real", "text"}, "char": {"text"},
            "xml": {"text"}, "binary": {"blob"}, "date": {"text"}, "datetime": {"text"},
            "datetimeoffset": {"text"}, "time": {"text"}, "guid": {"text"}, "clr": {"blob"}, "rowversion": {"blob"}}


def _widen_integer(name, stats):
    start = _INTEGER_ORDER.index(name) if name in _INTEGER_ORDER else 2
    for type_name in _INTEGER_ORDER[start:]:
        low, high = INTEGER_RANGES[type_name]
        if low <= stats.int_min and stats.int_max <= high:
            return type_name
    return "bigint"


def _fit_decimal(sql_type, stats):
    precision, scale = sql_type.precision or 18, sql_type.scale or 0
    largest = max(abs(stats.int_min or 0), abs(stats.int_max or 0))
    if largest:
        precision = max(precision, len(str(largest)) + scale)
    if stats.real_max_abs is not None and stats.real_max_abs >= 10 ** (precision - scale):
        return None
    if precision > 38:
        return None
    return SqlType(sql_type.name, precision=precision, scale=scale)


def _fit_text(sql_type, stats, key):
    name, length = sql_type.name, sql_type.length
    if stats.non_ascii and name in ("char", "varchar", "text"):
        name = {"char": "nchar", "varchar": "nvarchar", "text": "ntext"}[name]
    if name in ("text", "ntext"):
        return _t("nvarchar", length=KEY_TEXT_LENGTH) if key else _t(name)
    limit = 4000 if name.startswith("n") else 8000
    longest = stats.text_max or 0
    if name in ("char", "nchar"):
        if stats.text_min == stats.text_max == length:
            return _t(name, length=length)
        name = "nvarchar" if name == "nchar" else "varchar"
    if sql_type.is_max:
        if key:
            return _t(name, length=max(KEY_TEXT_LENGTH, longest) if longest <= limit else limit)
        return _t(name, is_max=True)
    if longest <= (length or 1):
        return _t(name, length=length or 1)
    return _t(name, length=longest) if longest <= limit else _t(name, is_max=True)


def _fit_binary(sql_type, stats, key):
    name, length = sql_type.name, sql_type.length
    longest = stats.blob_max or 0
    if name in ("image", "geography", "geometry", "hierarchyid"):
        return sql_type
    if name == "binary":
        if stats.blob_min == stats.blob_max == length:
            return sql_type
        name = "varbinary"
    if sql_type.is_max:
        if key:
            return _t(name, length=max(KEY_BINARY_LENGTH, longest) if longest <= 8000 else 8000)
        return sql_type
    if longest <= (length or 1):
        return _t(name, length=length or 1)
    return _t(name, length=longest) if longest <= 8000 else _t(name, is_max=True)


def _fit_temporal(candidate, stats):
    family, sql_type = candidate.family, candidate.sql_type
    digits = min(7, stats.fraction_digits or 0)
    if family == "date":
        if (stats.text_max or 0) <= 10:
            return sql_type
        family, candidate = "datetime", Candidate("datetime", _t("datetime2", scale=7), native_scale=True)
    if family == "time":
        return _t("time", scale=digits) if candidate.native_scale else sql_type
    if stats.has_offset:
        scale = digits if candidate.native_scale else max(digits, sql_type.scale or 0)
        return _t("datetimeoffset", scale=scale)
    if family == "datetime" and candidate.native_scale:
        return _t("datetime2", scale=digits)
    if sql_type.name == "smalldatetime" and (digits or stats.has_seconds):
        return _t("datetime2", scale=digits)          # smalldatetime would round to the minute
    return sql_type


def _by_data(stats, key, prefer_variant=False):
    if stats.partial:
        raise _NeedAllStats()
    classes = stats.classes
    if not prefer_variant:
        if classes == {"integer"}:
            return _t(_widen_integer("int", stats))
        if classes <= {"integer", "real"}:
            return _FLOAT
        if classes == {"text"}:
            return _fit_text(_t("nvarchar", is_max=True), stats, key)
        if classes == {"blob"}:
            return _fit_binary(_t("varbinary", is_max=True), stats, key)
    if (stats.text_max or 0) > MAX_VARIANT_TEXT or (stats.blob_max or 0) > MAX_VARIANT_BLOB:
        raise MixedValues()
    return _t("sql_variant")


# ---- the types of a table's columns -------------------------------------------------------------

def derive_columns(conn, info, columns=None, keys=()):
    """{column name: SqlType} for the given live columns of a table (all by default)."""
    columns = info.columns if columns is None else columns
    alias = info.rowid_alias
    candidates = {}
    for column in columns:
        candidate = candidate_for(column.declared)
        if column.name == alias:
            candidate = Candidate("integer", _t("bigint"))
        candidates[column.name] = candidate
    # A first scan computes what each column's declared family needs; the rare column whose data
    # does not fit its family is scanned again with every statistic (choose_type then decides by data).
    rowid = None
    if not info.without_rowid:
        names = {c.name.lower() for c in info.columns}
        rowid = next((n for n in ("rowid", "_rowid_", "oid") if n not in names), None)
    stats = scan(conn, info.name, candidates, partial=True, rowid=rowid) if candidates else {}
    again = {}
    for column in columns:
        try:
            choose_type(candidates[column.name], stats[column.name], column.name in keys)
        except _NeedAllStats:
            again[column.name] = candidates[column.name]
        except MixedValues:
            pass
    if again:
        stats.update(scan(conn, info.name, again, rowid=rowid))
    types = {}
    for column in columns:
        candidate, column_stats = candidates[column.name], stats[column.name]
        try:
            types[column.name] = choose_type(candidate, column_stats, column.name in keys)
        except MixedValues:
            raise EngineError(_mixed_message(conn, info, column.name)) from None
        if candidate.family not in ("data", "variant") and column.name != alias and \
                declared_fit(candidate, column_stats, column.name in keys) is None:
            column_stats.not_declared = why_not_declared(candidate, column_stats)
        if types[column.name].name == "real" and not _fits_real(conn, info.name, column.name):
            types[column.name] = _FLOAT
            column_stats.not_declared = "SQLite holds its numbers as 8-byte REALs, which real (4 bytes) would round"
    return types, stats


def _fits_real(conn, table, column):
    """Whether every number of a column declared FLOAT(1-24) (SQL Server's 4-byte real) is a 4-byte float."""
    c = quote_ident(column)
    for (value,) in conn.execute(f"SELECT {c} FROM {quote_ident(table)} WHERE typeof({c}) = 'real'"):
        if struct.unpack("<f", struct.pack("<f", value))[0] != value:
            return False
    return True


def _mixed_message(conn, info, column):
    c = quote_ident(column)
    where = (f"(typeof({c}) = 'text' AND length({c}) > {MAX_VARIANT_TEXT}) OR "
             f"(typeof({c}) = 'blob' AND length({c}) > {MAX_VARIANT_BLOB})")
    key = "rowid" if not info.without_rowid else ", ".join(quote_ident(k) for k in info.primary_key) or "1"
    row = conn.execute(f"SELECT {key} FROM {quote_ident(info.name)} WHERE {where} LIMIT 1").fetchone()
    at = f" (first at {('rowid ' + str(row[0])) if not info.without_rowid else 'key ' + repr(tuple(row))})" \
        if row else ""
    return (f"table '{info.name}', column '{column}' mixes numbers, text and blobs, and holds a value too large "
            f"for sql_variant{at}; make the column's values one kind (e.g. CAST to TEXT) and export again")


def key_columns(info):
    keys = set(info.primary_key)
    for index in info.indexes:
        if index.columns:
            keys.update(name for name, _ in index.columns)
    for fk in info.foreign_keys:
        keys.update(fk.columns)
    return keys
