"""Values between pyodbc and the BCP codec, both ways, with no loss of SQL Server's precision.

Reading: pyodbc stops at microseconds and cannot hold a datetimeoffset's offset, so the connection
registers output converters (connect.register_converters) for SQL_TYPE_TIMESTAMP (93),
SQL_SS_TIME2 (-154) and SQL_SS_TIMESTAMPOFFSET (-155). With a converter registered, pyodbc reads
the column as SQL_C_BINARY and hands over the driver's bytes (pyodbc src/getdata.cpp,
GetDataUser). What those bytes are depends on the column's server type, so the converters go by
length:
  datetime2 (93), time (-154), datetimeoffset (-155): the driver's C structs, 16 / 12 / 20 bytes
      (SQL_TIMESTAMP_STRUCT, SQL_SS_TIME2_STRUCT, SQL_SS_TIMESTAMPOFFSET_STRUCT: "Data Type Support
      for ODBC Date and Time Improvements", sqlncli.h / msodbcsql.h);
  datetime (93): the 8 bytes the server sent, int32 days since 1900-01-01 and uint32 1/300 s ticks
      (MS-TDS 2.2.5.5.1.8, DATETIMETYPE), exactly as a BACPAC stores it;
  smalldatetime (93): the 4 server bytes, uint16 days since 1900-01-01 and uint16 minutes.
The last two were seen with Microsoft ODBC Driver 18 against a real TDS server. A driver that
answers with text (FreeTDS) is parsed. Anything else is refused with the length named.

Writing (import_mapper): pyodbc's fast_executemany sizes each parameter buffer from the driver's
description of the column (SQLDescribeParam: datetime2(0) is 19 characters, pyodbc src/params.cpp,
"String data, right truncation: length %u buffer %u"), and the driver converts text to a date and
time only in ODBC canonical form ('yyyy-mm-dd hh:mm:ss[.fffffff]'; a 'T' separator is SQLSTATE
22018). So datetime2, datetimeoffset and time go as canonical text cut to the column's scale
(exactly the width the driver describes), legacy datetime as a native datetime rounded to the
millisecond (pyodbc keeps at most the described 3 digits; the server rounds to 1/300 s, which
maps every tick back to itself), smalldatetime as a native datetime, uniqueidentifier as text,
sql_variant as its natural value; everything else as the codec gives it.
"""
import datetime
import re
import struct
import uuid

from ...format.sqltypes import SqlType, codec_for
from ...format.values import PreciseDateTime, PreciseTime, SqlVariant
from ..rowmap import compile_row_mapper

_TIMESTAMP = struct.Struct("<h5HI")          # SQL_TIMESTAMP_STRUCT, 16 bytes
_LEGACY_DATETIME = struct.Struct("<iI")      # datetime as the server sends it: days since 1900, 1/300 s ticks
_SMALLDATETIME = struct.Struct("<HH")        # smalldatetime: days since 1900, minutes since midnight
_DATETIME_1900 = datetime.datetime(1900, 1, 1)
_TIMESTAMPOFFSET = struct.Struct("<h5HIhh")  # SQL_SS_TIMESTAMPOFFSET_STRUCT, 20 bytes
_TIME2 = struct.Struct("<3H2xI")             # SQL_SS_TIME2_STRUCT, 12 bytes (2 bytes of padding)
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
                  r"(?:\s*([+-])(\d{2}):(\d{2}))?$")
_ISO_TIME = re.compile(r"^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$")


def _split_fraction(nanoseconds):
    return nanoseconds // 1000, (nanoseconds // 100) % 10


def _make_datetime(year, month, day, hour, minute, second, nanoseconds, tzinfo=None):
    microsecond, hundred_ns = _split_fraction(nanoseconds)
    if hundred_ns:
        return PreciseDateTime(year, month, day, hour, minute, second, microsecond, tzinfo, hundred_ns=hundred_ns)
    return datetime.datetime(year, month, day, hour, minute, second, microsecond, tzinfo)


def _make_time(hour, minute, second, nanoseconds):
    microsecond, hundred_ns = _split_fraction(nanoseconds)
    if hundred_ns:
        return PreciseTime(hour, minute, second, microsecond, hundred_ns=hundred_ns)
    return datetime.time(hour, minute, second, microsecond)


def _text(raw):
    if isinstance(raw, str):
        return raw.strip()
    data = bytes(raw)
    if len(data) % 2 == 0 and data[1:2] == b"\x00":
        return data.decode("utf-16-le").strip("\x00 ")
    return data.decode("ascii").strip("\x00 ")


def _nanos(digits):
    return int((digits or "0").ljust(9, "0")[:9])


def parse_datetime_text(text):
    match = _ISO.match(_text(text))
    if not match:
        raise ValueError(f"not a date and time: {text!r}")
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    tzinfo = None
    if match.group(8):
        minutes = int(match.group(9)) * 60 + int(match.group(10))
        tzinfo = datetime.timezone(datetime.timedelta(minutes=-minutes if match.group(8) == "-" else minutes))
    return _make_datetime(year, month, day, hour, minute, second, _nanos(match.group(7)), tzinfo)


def parse_time_text(text):
    match = _ISO_TIME.match(_text(text))
    if not match:
        raise ValueError(f"not a time of day: {text!r}")
    return _make_time(int(match.group(1)), int(match.group(2)), int(match.group(3)), _nanos(match.group(4)))


def convert_datetimeoffset(raw):
    """Output converter for SQL_SS_TIMESTAMPOFFSET (-155): the struct holds local time and the offset."""
    if raw is None:
        return None
    if len(raw) == _TIMESTAMPOFFSET.size:
        year, month, day, hour, minute, second, fraction, tz_hour, tz_minute = _TIMESTAMPOFFSET.unpack(raw)
        zone = datetime.timezone(datetime.timedelta(minutes=tz_hour * 60 + tz_minute))
        return _make_datetime(year, month, day, hour, minute, second, fraction, zone)
    return parse_datetime_text(raw)


def convert_timestamp(raw):
    """Output converter for SQL_TYPE_TIMESTAMP (93): datetime2 (the driver's struct), datetime and
    smalldatetime (the server's own bytes), or text from a driver that answers with text."""
    if raw is None:
        return None
    if isinstance(raw, str):
        return parse_datetime_text(raw)
    size = len(raw)
    if size == _TIMESTAMP.size:
        year, month, day, hour, minute, second, fraction = _TIMESTAMP.unpack(raw)
        return _make_datetime(year, month, day, hour, minute, second, fraction)
    if size == _LEGACY_DATETIME.size:
        days_since_1900, ticks_300 = _LEGACY_DATETIME.unpack(raw)
        # 1/300 s ticks shown to the millisecond, as SQL Server shows them (.000, .003, .007)
        milliseconds = (ticks_300 * 10 + 1) // 3
        return _DATETIME_1900 + datetime.timedelta(days=days_since_1900, milliseconds=milliseconds)
    if size == _SMALLDATETIME.size:
        days_since_1900, minutes = _SMALLDATETIME.unpack(raw)
        return _DATETIME_1900 + datetime.timedelta(days=days_since_1900, minutes=minutes)
    if _looks_like_text(raw):
        return parse_datetime_text(raw)
    raise ValueError(f"the ODBC driver returned {size} bytes for a date and time; expected 16 (datetime2), "
                     f"8 (datetime) or 4 (smalldatetime)")


def _looks_like_text(raw):
    data = bytes(raw)
    if len(data) % 2 == 0 and data[1:2] == b"\x00":
        data = data[::2]
    return bool(data) and all(48 <= b <= 57 or b in b"-: .T+" for b in data.strip(b"\x00"))


def convert_time2(raw):
    """Output converter for SQL_SS_TIME2 (-154): time(n)."""
    if raw is None:
        return None
    if len(raw) == _TIME2.size:
        hour, minute, second, fraction = _TIME2.unpack(raw)
        return _make_time(hour, minute, second, fraction)
    return parse_time_text(raw)


# ---- export: fetched row -> codec row ---------------------------------------------------------------

_TIME_CODEC = codec_for(SqlType("time", scale=7), False)
_OFFSET_CODEC = codec_for(SqlType("datetimeoffset", scale=7), False)


def variant_from_fetched(value):
    """A sql_variant cell as fetched (pyodbc gives the base type's natural value) -> codec value."""
    if isinstance(value, datetime.datetime) and value.utcoffset() is not None:
        return SqlVariant(value, "datetimeoffset", bytes([0x2B, 1, 7]) + _OFFSET_CODEC.encode(value))
    if isinstance(value, datetime.time):
        return SqlVariant(value, "time", bytes([0x29, 1, 7]) + _TIME_CODEC.encode(value))
    return value


def _fetched_time(value):
    return value if isinstance(value, datetime.time) else parse_time_text(value)


def _fetched_datetime(value):
    return value if isinstance(value, datetime.datetime) else parse_datetime_text(value)


def _fetched_date(value):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(_text(value)[:10])


def export_mapper(sql_types, encrypted, text_temporals=False):
    """A row mapper (fetched row -> codec row) for columns of these types, or None when rows pass as they are.

    sql_types: the resolved SqlType of each selected column; encrypted: parallel booleans (ciphertext comes
    as bytes and passes as it is). text_temporals: the driver may answer dates and times as text (not
    Microsoft's driver), so parse them.
    """
    outputs = []
    for index, (sql_type, is_encrypted) in enumerate(zip(sql_types, encrypted)):
        name = sql_type.name
        if is_encrypted:
            outputs.append(index)
        elif name == "sql_variant":
            outputs.append((variant_from_fetched, index))
        elif text_temporals and name == "time":
            outputs.append((_fetched_time, index))
        elif text_temporals and name in ("datetime2", "datetimeoffset", "datetime", "smalldatetime"):
            outputs.append((_fetched_datetime, index))
        elif text_temporals and name == "date":
            outputs.append((_fetched_date, index))
        else:
            outputs.append(index)
    return compile_row_mapper(len(outputs), outputs)


# ---- import: codec row -> parameters --------------------------------------------------------------

def _fraction(hundred_ns, scale):
    """'.fffffff' cut to `scale` digits ('' at scale 0): the digits the column keeps."""
    if not scale:
        return ""
    return "." + f"{hundred_ns:07d}"[:scale]


def _hundred_ns(value):
    return value.microsecond * 10 + (getattr(value, "hundred_ns", 0) or 0)


def canonical_datetime(value, scale=7):
    """'yyyy-mm-dd hh:mm:ss[.fffffff][ +hh:mm]' at the column's scale: ODBC canonical text, the only
    text form the driver converts (a 'T' is 22018), and exactly as wide as it describes the column."""
    text = f"{value.year:04d}-{value.month:02d}-{value.day:02d} {value.hour:02d}:{value.minute:02d}:" \
           f"{value.second:02d}{_fraction(_hundred_ns(value), scale)}"
    offset = value.utcoffset()
    if offset is not None:
        minutes = int(offset.total_seconds()) // 60
        sign = "-" if minutes < 0 else "+"
        text += f" {sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return text


def canonical_time(value, scale=7):
    """'hh:mm:ss[.fffffff]' at the column's scale."""
    return f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}{_fraction(_hundred_ns(value), scale)}"


def legacy_datetime(value):
    """A datetime rounded to the millisecond: what a datetime column takes (3 digits)."""
    plain = datetime.datetime(value.year, value.month, value.day, value.hour, value.minute, value.second,
                              value.microsecond)
    rounded = (plain.microsecond + 500) // 1000 * 1000
    return plain.replace(microsecond=0) + datetime.timedelta(microseconds=rounded)


def _scale(sql_type):
    return sql_type.scale or 0                # the model leaves a scale of 0 out (SqlType: None is 0)


def _variant_param(value):
    natural = value.value if isinstance(value, SqlVariant) else value
    if isinstance(natural, datetime.datetime) and natural.utcoffset() is not None:
        return canonical_datetime(natural)
    if isinstance(natural, datetime.time):
        return canonical_time(natural)
    if isinstance(natural, uuid.UUID):
        return str(natural)
    return natural


def _uuid_param(value):
    return str(value)


def import_mapper(sql_types, encrypted):
    """A row mapper (codec row -> pyodbc parameters) for these column types, or None for identity."""
    outputs = []
    for index, (sql_type, is_encrypted) in enumerate(zip(sql_types, encrypted)):
        name = sql_type.name
        if is_encrypted:
            outputs.append(index)
        elif name in ("datetime2", "datetimeoffset"):
            scale = _scale(sql_type)
            outputs.append((lambda value, scale=scale: canonical_datetime(value, scale), index))
        elif name == "time":
            scale = _scale(sql_type)
            outputs.append((lambda value, scale=scale: canonical_time(value, scale), index))
        elif name == "datetime":
            outputs.append((legacy_datetime, index))
        elif name == "uniqueidentifier":
            outputs.append((_uuid_param, index))
        elif name == "sql_variant":
            outputs.append((_variant_param, index))
        else:
            outputs.append(index)
    return compile_row_mapper(len(outputs), outputs)


__all__ = ["convert_datetimeoffset", "convert_timestamp", "convert_time2", "export_mapper", "import_mapper",
           "canonical_datetime", "canonical_time", "legacy_datetime", "variant_from_fetched", "parse_datetime_text",
           "parse_time_text"]
