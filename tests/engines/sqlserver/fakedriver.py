"""What Microsoft ODBC Driver 18 and pyodbc do with values, for the test double (fakedb.py).

Each behaviour names its source. The double runs every fetched cell and every parameter through
these, so that the engine meets the bytes and the errors the real stack gives it.

Reading (pyodbc src/getdata.cpp, GetDataUser / GetData):
  - a column whose ODBC type has a registered output converter is read as SQL_C_BINARY, and the
    converter gets the driver's bytes; what those bytes are depends on the server type:
      datetime2         SQL_TYPE_TIMESTAMP (93)      SQL_TIMESTAMP_STRUCT, 16 bytes
      datetime          SQL_TYPE_TIMESTAMP (93)      the 8 server bytes (int32 days since 1900, uint32 1/300 s)
      smalldatetime     SQL_TYPE_TIMESTAMP (93)      the 4 server bytes (uint16 days since 1900, uint16 minutes)
      time              SQL_SS_TIME2 (-154)          SQL_SS_TIME2_STRUCT, 12 bytes (msodbcsql.h)
      datetimeoffset    SQL_SS_TIMESTAMPOFFSET (-155) SQL_SS_TIMESTAMPOFFSET_STRUCT, 20 bytes (msodbcsql.h)
    (the datetime / smalldatetime lengths were seen with ODBC Driver 18 against a real TDS server);
  - without a converter, 93 gives a datetime cut to microseconds, -154 a time, and -155 fails:
    "ODBC SQL type -155 is not yet supported.  column-index=N  type=-155" (HY106);
  - catalog views' date columns (create_date, modify_date) are datetime.
Writing without fast_executemany (pyodbc src/params.cpp, GetParameterInfo / GetUnicodeInfo): a str
longer than the connection's wide-varchar maximum (4,000 characters for SQL Server) is bound as
SQL_WLONGVARCHAR, which the server receives as ntext (bound_type); shorter ones as nvarchar(n).
Writing with fast_executemany (pyodbc src/params.cpp, ExecuteMulti / PyToCType):
  - each parameter is bound from SQLDescribeParam: a str gets a buffer of column-size UTF-16 units
    (a (max) column, size 0, goes as data-at-execution); a longer value raises
    "String data, right truncation: length %u buffer %u" (HY000);
  - a datetime's fraction is cut to the described decimal digits;
  - None is typed by the described column, so NULLs need no Python type.
The driver converts text to a date or time only in ODBC canonical form ('yyyy-mm-dd hh:mm:ss[.f]',
'hh:mm:ss[.f]', a datetimeoffset with ' +hh:mm'): anything else, a 'T' separator included, is
SQLSTATE 22018 "Invalid character value for cast specification" ("Converting Data from C to SQL
Data Types", ODBC Programmer's Reference; "Data Type Support for ODBC Date and Time Improvements").
SQLDescribeParam column sizes are those of "Column Size" in the ODBC appendix D and of the SQL
Server driver's date/time table: datetime2(p) 19 (+p+1), datetimeoffset(p) 26 (+p+1), time(p) 8
(+p+1), datetime 23, smalldatetime 16, date 10.
"""
import datetime
import re
import struct

SQL_TYPE_TIMESTAMP, SQL_SS_TIME2, SQL_SS_TIMESTAMPOFFSET = 93, -154, -155
ODBC_TYPE = {"datetime2": SQL_TYPE_TIMESTAMP, "datetime": SQL_TYPE_TIMESTAMP, "smalldatetime": SQL_TYPE_TIMESTAMP,
             "time": SQL_SS_TIME2, "datetimeoffset": SQL_SS_TIMESTAMPOFFSET}
_1900 = datetime.datetime(1900, 1, 1)
CANONICAL = {
    "date": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "datetime2": re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,7})?$"),
    "datetime": re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,3})?$"),
    "smalldatetime": re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$"),
    "datetimeoffset": re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,7})? [+-]\d{2}:\d{2}$"),
    "time": re.compile(r"^\d{2}:\d{2}:\d{2}(\.\d{1,7})?$"),
}


class DriverError(Exception):
    """Shaped as pyodbc.Error: args = (sqlstate, message)."""

    def __init__(self, sqlstate, message):
        super().__init__(sqlstate, message)


def _nanoseconds(value):
    return value.microsecond * 1000 + (getattr(value, "hundred_ns", 0) or 0) * 100


def driver_bytes(server_type, value):
    """The bytes a converter gets for a cell of this server type (see the module docstring)."""
    if server_type == "datetime2":
        return struct.pack("<h5HI", value.year, value.month, value.day, value.hour, value.minute, value.second,
                           _nanoseconds(value))
    if server_type == "datetime":
        delta = value.replace(tzinfo=None) - _1900
        ticks = round((delta.seconds * 1_000_000 + delta.microseconds) * 3 / 10_000)
        return struct.pack("<iI", delta.days, ticks)
    if server_type == "smalldatetime":
        delta = value - _1900
        return struct.pack("<HH", delta.days, delta.seconds // 60)
    if server_type == "time":
        return struct.pack("<3H2xI", value.hour, value.minute, value.second, _nanoseconds(value))
    if server_type == "datetimeoffset":
        minutes = int(value.utcoffset().total_seconds()) // 60
        sign = -1 if minutes < 0 else 1
        return struct.pack("<h5HIhh", value.year, value.month, value.day, value.hour, value.minute, value.second,
                           _nanoseconds(value), sign * (abs(minutes) // 60), sign * (abs(minutes) % 60))
    raise AssertionError(server_type)


def fetched(server_type, value, converters, column_index):
    """A cell as pyodbc hands it to the caller."""
    if value is None or server_type not in ODBC_TYPE:
        return value
    odbc_type = ODBC_TYPE[server_type]
    converter = converters.get(odbc_type)
    if converter is not None:
        return converter(driver_bytes(server_type, value))
    if odbc_type == SQL_SS_TIMESTAMPOFFSET:
        raise DriverError("HY106", f"ODBC SQL type -155 is not yet supported.  column-index={column_index}  "
                                   f"type=-155")
    if odbc_type == SQL_SS_TIME2:
        return datetime.time(value.hour, value.minute, value.second, value.microsecond)
    return datetime.datetime(value.year, value.month, value.day, value.hour, value.minute, value.second,
                             value.microsecond)


# ---- parameters -----------------------------------------------------------------------------------

def described(declared):
    """(column size, decimal digits) SQLDescribeParam gives for a declared column type ('datetime2(3)',
    'nvarchar(20)', 'nvarchar(max)', ...); size 0 for (max) and LOB types."""
    match = re.match(r"^(\w+)(?:\((\w+)(?:,\s*(\d+))?\))?", declared.lower())
    name, first = match.group(1), match.group(2)
    scale = int(first) if first and first.isdigit() else 7
    if name in ("datetime2", "datetimeoffset", "time"):
        base = {"datetime2": 19, "datetimeoffset": 26, "time": 8}[name]
        return base + (scale + 1 if scale else 0), scale
    if name == "datetime":
        return 23, 3
    if name == "smalldatetime":
        return 16, 0
    if name == "date":
        return 10, 0
    if name in ("nvarchar", "varchar", "nchar", "char", "varbinary", "binary"):
        return (0 if first == "max" else int(first or 1)), 0
    if name in ("xml", "text", "ntext", "image", "sql_variant", "geography", "geometry", "hierarchyid"):
        return 0, 0
    return None, None


def bind(declared, value):
    """What the server receives for a parameter bound with fast_executemany, or DriverError."""
    if value is None:
        return None
    name = declared.split("(")[0].lower()
    size, digits = described(declared)
    if isinstance(value, str):
        if size:
            length = len(value.encode("utf-16-le"))
            if length > size * 2:
                raise DriverError("HY000", f"String data, right truncation: length {length} buffer {size * 2}")
        pattern = CANONICAL.get(name)
        if pattern is not None and not pattern.match(value):
            raise DriverError("22018", "[22018] [Microsoft][ODBC Driver 18 for SQL Server]Invalid character value "
                                       "for cast specification (0) (SQLExecute)")
        return value
    if isinstance(value, datetime.datetime) and name in ("datetime", "datetime2", "smalldatetime"):
        keep = 10 ** (9 - min(9, digits))
        fraction = (value.microsecond * 1000) // keep * keep
        return value.replace(microsecond=fraction // 1000)
    return value


def bound_type(value):
    """The server type a parameter arrives as without fast_executemany (None: not modelled here)."""
    if isinstance(value, str):
        return "ntext" if len(value) > 4000 else f"nvarchar({max(1, len(value))})"
    return None


def server_datetime(value):
    """A datetime as a datetime column stores it: rounded to 1/300 s."""
    delta = value - _1900
    ticks = round((delta.seconds * 1_000_000 + delta.microseconds) * 3 / 10_000)
    return _1900 + datetime.timedelta(days=delta.days, milliseconds=(ticks * 10 + 1) // 3)


__all__ = ["DriverError", "fetched", "bind", "bound_type", "described", "driver_bytes", "server_datetime", "ODBC_TYPE"]
