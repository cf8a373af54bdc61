"""How SQL Server column types live in SQLite: declared types, stored values, and the way back.

Declared types carry the SQL Server type, spelled as T-SQL does (`NVARCHAR(50)`, `DATETIME2(7)`,
`"NVARCHAR(MAX)"` - quoted, because SQLite's grammar has no MAX). SQLite picks a column's
affinity from substrings of that name, and NUMERIC affinity rewrites any text that looks like a
number into a REAL, keeping 15 digits. Where that would damage exact text, the SQLite storage word
comes first: `BLOB DECIMAL(38,10)`, `BLOB MONEY`, `BLOB SQL_VARIANT` (BLOB affinity: values are kept
exactly as stored, numbers as numbers, text as text), `TEXT XML`. Identity primary keys of integer type are declared `INTEGER`,
SQLite's own identity idiom (a rowid alias: new rows get the next value).

Values are stored so the sqlite3 shell shows them as SQL Server would:

| SQL Server | SQLite value |
| --- | --- |
| tinyint, smallint, int, bigint, bit | INTEGER (bit 0/1) |
| decimal/numeric(p,0) with p <= 18 | INTEGER |
| other decimal/numeric, money, smallmoney | INTEGER at scale 0 when it fits, REAL with at most 15 |
|                                          | significant digits, else TEXT, exact, scale kept (exact_number) |
| float, real | REAL |
| char/varchar/nchar/nvarchar/text/ntext/xml | TEXT (char(n) keeps its padding) |
| date | TEXT '2003-02-01' |
| time(n), datetime2(n) | TEXT at the column's scale ('2003-02-01 11:22:33.1234567') |
| datetimeoffset(n) | TEXT with the offset ('2003-02-01 11:22:33.1234567 +04:55') |
| datetime / smalldatetime | TEXT ('2003-02-01 11:22:33.123' / '2003-02-01 11:23:00') |
| uniqueidentifier | TEXT, canonical upper case (as SQL Server prints it) |
| binary, varbinary, image, rowversion, geography, geometry, hierarchyid, CLR types | BLOB |
| Always Encrypted columns | BLOB (the ciphertext), declared `ENCRYPTED <type>` |
| sql_variant | its natural value (as above for its base type); the bookkeeping table `__bacpac_variants` |
|             | holds the exact bytes where the value alone would not give them back (varchar, decimal...) |

Date/time text carries more digits than the column scale only if the value has them, so that no
value is ever rounded on the way in. The text forms are ones SQLite's date functions read. Decimals
with at most 15 significant digits are numbers; only those columns that may hold more (money,
decimal(p > 15)) are declared with BLOB affinity, where the rare exact text sorts after every number.
"""
import datetime
import decimal
import functools
import re

from ..format.sqltypes import SqlType, datetime2_text_bytes, decimal_text_encoder
from ..format.values import PreciseDateTime, PreciseTime, SqlVariant
from ..format import variant as variant_codec

INTEGER_NAMES = {"tinyint", "smallint", "int", "bigint"}
INTEGER_RANGES = {"tinyint": (0, 255), "smallint": (-2**15, 2**15 - 1), "int": (-2**31, 2**31 - 1),
                  "bigint": (-2**63, 2**63 - 1)}
DECIMAL_NAMES = {"decimal", "numeric"}
MONEY_NAMES = {"money", "smallmoney"}
# Stored as text whose digits SQLite's NUMERIC affinity would turn into a rounded REAL.
_TEXT_MARKED = {"xml", "sysname"}
# Significant digits a decimal keeps through a REAL (DBL_DIG): text -> double -> shortest repr gives it back.
REAL_DIGITS = 15


# ---- declared types ----------------------------------------------------------------------------

def decimal_stored_as_integer(sql_type):
    """decimal(p,0) with p <= 18 always fits a 64-bit INTEGER."""
    precision = 18 if sql_type.precision is None else sql_type.precision
    return not sql_type.scale and precision <= 18


def numbers_may_stay_text(sql_type):
    """Whether a decimal/money column can hold values that neither an INTEGER nor a REAL keeps
    exactly (more than 15 significant digits): money, decimal(p > 15, s > 0), decimal(p > 18, 0).
    Such a column is declared with BLOB affinity (`BLOB MONEY`), which stores each value as bound:
    NUMERIC affinity would turn its exact text into a REAL rounded to 15 digits."""
    if sql_type.name == "money":
        return True
    if sql_type.name not in DECIMAL_NAMES or decimal_stored_as_integer(sql_type):
        return False
    return (18 if sql_type.precision is None else sql_type.precision) > REAL_DIGITS


# SQL Server's built-in type names: a declared type is spelled from these only.
BUILTIN_NAMES = {"bigint", "binary", "bit", "char", "date", "datetime", "datetime2", "datetimeoffset", "decimal",
                 "float", "geography", "geometry", "hierarchyid", "image", "int", "money", "nchar", "ntext",
                 "numeric", "nvarchar", "real", "rowversion", "smalldatetime", "smallint", "smallmoney",
                 "sql_variant", "sysname", "text", "time", "timestamp", "tinyint", "uniqueidentifier",
                 "varbinary", "varchar", "xml"}


def spelling(sql_type):
    """The T-SQL spelling of a type, upper case: NVARCHAR(MAX), DECIMAL(38,10), DATETIME2(7). A name that is
    not a built-in type (a CLR type, or whatever a package claims) is a quoted identifier: package text
    never reaches DDL as it stands."""
    if sql_type.name not in BUILTIN_NAMES:
        return '"' + str(sql_type.name).replace('"', '""') + '"'
    return str(sql_type).upper()


@functools.lru_cache(maxsize=1024)      # one string per distinct type, not one per column
def declared_type(sql_type, encrypted=False, rowid_alias=False):
    """The type text of a SQLite column holding `sql_type` (see the module docstring)."""
    if rowid_alias:
        return "INTEGER"
    spelled = spelling(sql_type)
    name = sql_type.name
    if encrypted:
        return "ENCRYPTED " + spelled
    if name == "sql_variant":
        return "BLOB SQL_VARIANT"
    if numbers_may_stay_text(sql_type):
        return "BLOB " + spelled
    if name in _TEXT_MARKED:
        return "TEXT " + spelled
    return spelled


def type_sql(declared):
    """A declared type as DDL text: quoted when SQLite's type grammar cannot spell it (MAX)."""
    if "(MAX)" in declared.upper() and '"' not in declared:
        return '"' + declared.replace('"', '""') + '"'
    return declared


# ---- date and time text ------------------------------------------------------------------------

def _fraction(hundred_ns, scale):
    """'.fffffff' cut to `scale` digits, or longer when the value has more non-zero digits."""
    if not hundred_ns:
        return "." + "0" * scale if scale else ""
    digits = f"{hundred_ns:07d}"
    return "." + digits[:max(scale, len(digits.rstrip("0")))]


def _clock(value, scale):
    return (f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
            + _fraction(value.microsecond * 10 + getattr(value, "hundred_ns", 0), scale))


def format_date(value):
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def format_time(value, scale=7):
    return _clock(value, scale)


def format_datetime(value, scale=7):
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d} {_clock(value, scale)}"


def format_offset(value):
    minutes = int(value.utcoffset().total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def format_datetimeoffset(value, scale=7):
    return f"{format_datetime(value, scale)} {format_offset(value)}"


_DATETIME_TEXT = re.compile(r"(\d{4})-(\d{2})-(\d{2})"
                            r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?"
                            r"\s*(Z|[+-]\d{2}:?\d{2})?\Z")
_TIME_TEXT = re.compile(r"(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\Z")


def _hundred_ns(digits):
    if not digits:
        return 0
    if len(digits) > 7:
        if digits[7:].strip("0"):
            raise ValueError("has more than 7 fractional digits (SQL Server keeps 100 ns)")
        digits = digits[:7]
    return int(digits.ljust(7, "0"))


def _make_datetime(year, month, day, hour, minute, second, hundred_ns, tzinfo=None):
    microsecond, rest = divmod(hundred_ns, 10)
    if rest:
        return PreciseDateTime(year, month, day, hour, minute, second, microsecond, tzinfo, hundred_ns=rest)
    return datetime.datetime(year, month, day, hour, minute, second, microsecond, tzinfo)


def parse_datetime(text):
    """(datetime, offset minutes or None) from ISO-8601 text as SQLite's date functions accept it."""
    match = _DATETIME_TEXT.match(text)
    if match is None:
        raise ValueError(f"{_preview(text)} is not an ISO-8601 date/time ('YYYY-MM-DD HH:MM:SS.fffffff')")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    value = _make_datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                           _hundred_ns(fraction))
    if zone is None:
        return value, None
    if zone == "Z":
        return value, 0
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    return value, sign * (int(digits[:2]) * 60 + int(digits[2:]))


_FROM_ISO = datetime.datetime.fromisoformat


def _canonical_datetime(text):
    """The text this engine writes ('YYYY-MM-DD HH:MM:SS[.fffffff]'), parsed at C speed; else None."""
    if len(text) < 19 or text[10] != " " or (len(text) > 19 and text[19] != "."):
        return None
    fraction = text[20:]
    if len(text) == 20 or len(fraction) > 7 or not (fraction.isascii() and fraction.isdigit() or not fraction):
        return None
    try:
        value = _FROM_ISO(text[:19])
    except ValueError:
        return None
    if not fraction:
        return value
    microsecond, rest = divmod(int(fraction.ljust(7, "0")), 10)
    if rest:
        return PreciseDateTime(value.year, value.month, value.day, value.hour, value.minute, value.second,
                               microsecond, hundred_ns=rest)
    return value.replace(microsecond=microsecond)


def parse_naive_datetime(text):
    if type(text) is str:
        value = _canonical_datetime(text)
        if value is not None:
            return value
    value, offset = parse_datetime(text)
    if offset:
        raise ValueError(f"{_preview(text)} has a UTC offset, but the column has no time zone")
    return value


def parse_datetimeoffset(text):
    value, offset = parse_datetime(text)
    zone = datetime.timezone(datetime.timedelta(minutes=offset or 0))
    return value.replace(tzinfo=zone) if not isinstance(value, PreciseDateTime) else \
        PreciseDateTime(value.year, value.month, value.day, value.hour, value.minute, value.second,
                        value.microsecond, zone, hundred_ns=value.hundred_ns)


def parse_date(text):
    value = parse_naive_datetime(text)
    if (value.hour, value.minute, value.second, value.microsecond, getattr(value, "hundred_ns", 0)) != (0,) * 5:
        raise ValueError(f"{_preview(text)} has a time of day, but the column is a date")
    return value.date()


def parse_time(text):
    match = _TIME_TEXT.match(text)
    if match is None:
        raise ValueError(f"{_preview(text)} is not a time of day ('HH:MM:SS.fffffff')")
    hour, minute, second, fraction = match.groups()
    microsecond, rest = divmod(_hundred_ns(fraction), 10)
    if rest:
        return PreciseTime(int(hour), int(minute), int(second or 0), microsecond, hundred_ns=rest)
    return datetime.time(int(hour), int(minute), int(second or 0), microsecond)


def _preview(value, limit=40):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


# ---- numbers -----------------------------------------------------------------------------------

def decimal_text(value):
    """Exact decimal text with the value's own scale, never in exponent form ('0.0000', not '0E-4')."""
    return format(value, "f")


def exact_number(text):
    """Exact decimal text ('-12.3400') as SQLite stores it: an INTEGER when it has no point and fits
    64 bits, a REAL when it has at most 15 significant digits (the REAL gives back the same decimal
    at the column's scale), else the text itself. _load.c number_cell decides alike."""
    body = text[1:] if text[:1] == "-" else text
    if "." not in body:
        value = int(text)
        if -2**63 <= value < 2**63:
            return value
    if len(body.replace(".", "").strip("0")) <= REAL_DIGITS:
        return float(text)
    return text


def _decimal_number(value):
    return exact_number(decimal_text(value))


def to_decimal(value):
    """A Decimal from what a decimal/money column may hold in SQLite (text, integer or REAL)."""
    if isinstance(value, float):
        return decimal.Decimal(repr(value))
    if isinstance(value, (bytes, bytearray)):
        raise ValueError("a BLOB is not a number")
    result = decimal.Decimal(value.strip() if isinstance(value, str) else value)
    if not result.is_finite():
        raise ValueError(f"{_preview(value)} is not a finite number")
    return result


def _decimal_from_text(value):
    try:
        return to_decimal(value)
    except decimal.InvalidOperation:
        raise ValueError(f"{_preview(value)} is not a number") from None


def guid_text(value):
    return str(value).upper()


# ---- value adapters ----------------------------------------------------------------------------
# An adapter converts one non-NULL value; None means "store / use the value as it is".

@functools.lru_cache(maxsize=1024)      # one adapter per type: tables of one shape share their row mapper
def import_adapter(sql_type, encrypted=False):
    """BCP-decoded Python value -> SQLite value, for a column of `sql_type`."""
    if encrypted:
        return None
    name = sql_type.name
    scale = sql_type.scale or 0
    if name in DECIMAL_NAMES:
        return int if decimal_stored_as_integer(sql_type) else _decimal_number
    if name in MONEY_NAMES:
        return _decimal_number
    if name == "date":
        return format_date
    if name == "time":
        return functools.partial(format_time, scale=scale)
    if name == "datetime2":
        return functools.partial(format_datetime, scale=scale)
    if name == "datetimeoffset":
        return functools.partial(format_datetimeoffset, scale=scale)
    if name == "datetime":
        return functools.partial(format_datetime, scale=3)
    if name == "smalldatetime":
        return functools.partial(format_datetime, scale=0)
    if name == "uniqueidentifier":
        return guid_text
    return None


@functools.lru_cache(maxsize=1024)
def import_raw_decoder(sql_type, encrypted=False):
    """BCP value bytes -> SQLite value, for the columns where that skips a Python value in between
    (decimal/numeric: their 19 bytes; datetime2: its 8), else None. Gives exactly what decoding
    and then import_adapter give (format/sqltypes byte layouts, §5 of the format doc)."""
    if encrypted:
        return None
    if sql_type.name in DECIMAL_NAMES:
        return _decimal_raw_integer if decimal_stored_as_integer(sql_type) else _decimal_raw_number
    if sql_type.name == "datetime2":
        return functools.partial(_datetime2_raw_text, sql_type.scale or 0)
    return None


def _decimal_raw_integer(raw):
    magnitude = int.from_bytes(raw[3:19], "little") // 10 ** raw[1]      # int(Decimal) truncates too
    return magnitude if raw[2] else -magnitude


def _decimal_raw_text(raw):
    scale = raw[1]
    digits = str(int.from_bytes(raw[3:19], "little"))
    if scale:
        digits = digits.rjust(scale + 1, "0")
        digits = digits[:-scale] + "." + digits[-scale:]
    return digits if raw[2] else "-" + digits


def _decimal_raw_number(raw):
    return exact_number(_decimal_raw_text(raw))


_DATE_TEXT = {}
_CLOCK_TEXT = {}


def _datetime2_raw_text(scale, raw):
    value = int.from_bytes(raw, "little")
    days, ticks = value >> 40, value & 0xFFFFFFFFFF
    day = _DATE_TEXT.get(days)
    if day is None:
        day = format_date(datetime.date.fromordinal(days + 1))
        if len(_DATE_TEXT) < 100_000:
            _DATE_TEXT[days] = day
    seconds, hundred_ns = divmod(ticks, 10_000_000)
    clock = _CLOCK_TEXT.get(seconds)
    if clock is None:
        if seconds >= 86_400:
            raise ValueError(f"time of day {ticks} (100 ns) is past midnight")
        minutes, second = divmod(seconds, 60)
        clock = _CLOCK_TEXT[seconds] = f"{minutes // 60:02d}:{minutes % 60:02d}:{second:02d}"
    return f"{day} {clock}{_fraction(hundred_ns, scale)}"


@functools.lru_cache(maxsize=1024)      # one adapter per type: tables of one shape share their row mapper
def export_fast_adapter(sql_type, encrypted=False):
    """export_adapter, except that decimal/numeric and datetime2 text in the form this engine
    writes goes straight to its BCP bytes (format.sqltypes fast paths, which the encoder passes
    through); every other value takes export_adapter's way, with its errors."""
    if not encrypted and sql_type.name in DECIMAL_NAMES:
        return functools.partial(_decimal_fast, decimal_text_encoder(sql_type.precision, sql_type.scale))
    if not encrypted and sql_type.name == "datetime2":
        return _datetime2_fast
    return export_adapter(sql_type, encrypted)


def export_adapter(sql_type, encrypted=False):
    """SQLite value -> the Python value the BCP encoder takes, for a column of `sql_type`."""
    if encrypted:
        return None
    name = sql_type.name
    if name in DECIMAL_NAMES or name in MONEY_NAMES:
        return _decimal_from_text
    if name == "date":
        return parse_date
    if name == "time":
        return parse_time
    if name in ("datetime2", "datetime", "smalldatetime"):
        return parse_naive_datetime
    if name == "datetimeoffset":
        return parse_datetimeoffset
    return None


def _decimal_fast(encode, value):
    return (type(value) is str and encode(value)) or _decimal_from_text(value)


def _datetime2_fast(value):
    return (type(value) is str and datetime2_text_bytes(value)) or parse_naive_datetime(value)


# ---- sql_variant -------------------------------------------------------------------------------

def variant_natural(cell):
    """The SQLite value shown for a decoded sql_variant cell (its base type's usual form)."""
    value = cell.value
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float, str, bytes)):
        return value
    if isinstance(value, decimal.Decimal):
        return decimal_text(value)
    if isinstance(value, datetime.datetime):
        if value.utcoffset() is not None:
            return format_datetimeoffset(value, 0)
        return format_datetime(value, 3 if cell.base_type == "datetime" else 0)
    if isinstance(value, datetime.date):
        return format_date(value)
    if isinstance(value, datetime.time):
        return format_time(value, 0)
    return guid_text(value) if cell.base_type == "uniqueidentifier" else str(value)


def variant_from_sqlite(main, raw):
    """The value to encode for a sql_variant cell: the exact stored bytes while they still match
    the visible value, otherwise the visible value itself (the user changed it)."""
    if main is None:
        return None
    if raw is not None:
        cell = variant_codec.decode(raw)
        natural = variant_natural(cell) if cell is not None else None
        if type(natural) is type(main) and natural == main:
            return cell
    return main


__all__ = ["declared_type", "type_sql", "import_adapter", "export_adapter", "variant_natural",
           "variant_from_sqlite", "SqlType", "SqlVariant", "spelling"]
