"""sql_variant cells: the TDS SSVARIANT layout inside a 4-byte-prefixed BCP field.

Layout: base-type byte, property-byte count, the properties, then the value. Character bases
other than n-types hold code-page bytes (not UTF-16). A decoded cell is a SqlVariant that keeps
its exact bytes, so re-encoding is byte-identical; plain Python values encode to a natural base.
"""
import datetime
import decimal
import struct
import uuid

from .values import SqlVariant

_WIDE = decimal.Context(prec=80)
_DEFAULT_COLLATION = bytes.fromhex("0904d00034")    # SQL_Latin1_General_CP1_CI_AS, code page 1252
_DATETIME_1900 = datetime.datetime(1900, 1, 1)

# base-type byte -> name, as in TDS
BASE_TYPES = {
    0x30: "tinyint", 0x32: "bit", 0x34: "smallint", 0x38: "int", 0x7F: "bigint",
    0x3B: "real", 0x3E: "float", 0x3C: "money", 0x7A: "smallmoney",
    0x6A: "decimal", 0x6C: "numeric", 0x24: "uniqueidentifier",
    0x3D: "datetime", 0x3A: "smalldatetime", 0x28: "date", 0x29: "time", 0x2A: "datetime2",
    0x2B: "datetimeoffset",
    0xA7: "varchar", 0xAF: "char", 0xE7: "nvarchar", 0xEF: "nchar", 0xA5: "varbinary", 0xAD: "binary",
}
_FIXED_FORMATS = {"tinyint": "<B", "bit": "<?", "smallint": "<h", "int": "<i", "bigint": "<q",
                  "real": "<f", "float": "<d", "smallmoney": "<i"}
# sort ids whose code page is not 1252, and LCIDs likewise (used when the sort id is 0)
_SORT_CODE_PAGES = {30: "cp437", 40: "cp850", 80: "cp1250", 104: "cp1251", 112: "cp1253", 128: "cp1254",
                    136: "cp1255", 144: "cp1256", 152: "cp1257"}
_LCID_CODE_PAGES = {0x0411: "cp932", 0x0804: "cp936", 0x0412: "cp949", 0x0404: "cp950", 0x041E: "cp874",
                    0x0419: "cp1251", 0x0405: "cp1250", 0x0415: "cp1250", 0x0408: "cp1253", 0x041F: "cp1254",
                    0x040D: "cp1255", 0x0401: "cp1256", 0x0425: "cp1257", 0x042A: "cp1258"}


def code_page(collation):
    lcid = int.from_bytes(collation[0:4], "little") & 0xFFFFF
    sort_id = collation[4]
    if sort_id:
        return _SORT_CODE_PAGES.get(sort_id, "cp1252")
    return _LCID_CODE_PAGES.get(lcid, "cp1252")


def _scaled_time(raw, scale):
    # TDS time(n): an integer count of 10^-n seconds in 3, 4 or 5 bytes.
    return int.from_bytes(raw, "little") * 10 ** (7 - scale)


def _natural(base, props, data):
    from .sqltypes import datetime_from_parts, time_from_hundred_ns
    if base in _FIXED_FORMATS:
        value = struct.unpack(_FIXED_FORMATS[base], data)[0]
        return decimal.Decimal(value).scaleb(-4, context=_WIDE) if base == "smallmoney" else value
    if base == "money":
        high, low = struct.unpack("<iI", data)
        return decimal.Decimal((high << 32) | low).scaleb(-4, context=_WIDE)
    if base in ("decimal", "numeric"):
        value = decimal.Decimal(int.from_bytes(data[1:], "little")).scaleb(-props[1], context=_WIDE)
        return value if data[0] else value.copy_negate()
    if base == "uniqueidentifier":
        return uuid.UUID(bytes_le=data)
    if base == "datetime":
        days, ticks = struct.unpack("<iI", data)
        return _DATETIME_1900 + datetime.timedelta(days=days, milliseconds=(ticks * 10 + 1) // 3)
    if base == "smalldatetime":
        days, minutes = struct.unpack("<HH", data)
        return _DATETIME_1900 + datetime.timedelta(days=days, minutes=minutes)
    if base == "date":
        return datetime.date.fromordinal(int.from_bytes(data, "little") + 1)
    if base == "time":
        return time_from_hundred_ns(_scaled_time(data, props[0]))
    if base in ("datetime2", "datetimeoffset"):
        width = len(data) - (5 if base == "datetimeoffset" else 3)
        value = datetime_from_parts(int.from_bytes(data[width:width + 3], "little"),
                                    _scaled_time(data[:width], props[0]))
        if base == "datetimeoffset":
            minutes = int.from_bytes(data[width + 3:], "little", signed=True)
            zone = datetime.timezone(datetime.timedelta(minutes=minutes))
            value = (value + datetime.timedelta(minutes=minutes)).replace(tzinfo=zone)
        return value
    if base in ("nvarchar", "nchar"):
        return data.decode("utf-16-le", "surrogatepass")
    if base in ("varchar", "char"):
        return data.decode(code_page(props[:5]), "replace")
    return bytes(data)


def decode(raw):
    raw = bytes(raw)
    if not raw:
        return None
    if len(raw) < 2 or len(raw) < 2 + raw[1]:
        raise ValueError("sql_variant value shorter than its header")
    base = BASE_TYPES.get(raw[0], f"0x{raw[0]:02X}")
    props, data = raw[2:2 + raw[1]], raw[2 + raw[1]:]
    try:
        value = _natural(base, props, data)
    except (struct.error, ValueError, OverflowError, IndexError, LookupError) as error:
        raise ValueError(f"sql_variant with base type {base} is malformed: {error}") from None
    return SqlVariant(value, base, raw)


def encode(value):
    if isinstance(value, SqlVariant):
        return value.raw
    if isinstance(value, bool):
        return bytes([0x32, 0]) + (b"\x01" if value else b"\x00")
    if isinstance(value, int):
        if -2**31 <= value < 2**31:
            return bytes([0x38, 0]) + struct.pack("<i", value)
        return bytes([0x7F, 0]) + struct.pack("<q", value)
    if isinstance(value, float):
        return bytes([0x3E, 0]) + struct.pack("<d", value)
    if isinstance(value, decimal.Decimal):
        sign, digits, exponent = value.as_tuple()
        scale = max(0, -exponent)
        magnitude = abs(int(value.scaleb(scale, context=_WIDE)))
        precision = max(len(str(magnitude)), scale, 1)
        return bytes([0x6C, 2, min(precision, 38), scale, 0 if sign else 1]) + magnitude.to_bytes(16, "little")
    if isinstance(value, uuid.UUID):
        return bytes([0x24, 0]) + value.bytes_le
    if isinstance(value, str):
        data = value.encode("utf-16-le", "surrogatepass")
        return bytes([0xE7, 7]) + _DEFAULT_COLLATION + struct.pack("<H", max(len(data), 2)) + data
    if isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
        return bytes([0xA5, 2]) + struct.pack("<H", max(len(data), 1)) + data
    if isinstance(value, datetime.datetime):
        from .sqltypes import hundred_ns_since_midnight
        data = hundred_ns_since_midnight(value).to_bytes(5, "little") + (value.toordinal() - 1).to_bytes(3, "little")
        if value.utcoffset() is not None:
            raise ValueError("sql_variant datetimeoffset values must be given as SqlVariant")
        return bytes([0x2A, 1, 7]) + data
    if isinstance(value, datetime.date):
        return bytes([0x28, 0]) + (value.toordinal() - 1).to_bytes(3, "little")
    raise ValueError(f"cannot store a {type(value).__name__} in sql_variant")
