"""SQL Server column types as model.xml names them, and their BCP codecs.

One codec per type family. A codec says how a value sits in a BCP row (§5 of the format doc):
its length-prefix width when the column is NOT NULL and when it is nullable, and how the value
bytes map to a Python value and back. Fixed-width codecs also give a struct format, so that the
row compiler (bcp.py) can read runs of NOT NULL fixed columns with one struct call.
"""
import datetime
import decimal
import struct
import uuid
from dataclasses import dataclass

from .values import PreciseDateTime, PreciseTime, SqlVariant, hundred_ns_of, money_to_units

HUNDRED_NS_PER_SECOND = 10_000_000
HUNDRED_NS_PER_DAY = 86_400 * HUNDRED_NS_PER_SECOND
DATETIME_TICKS_PER_DAY = 86_400 * 300          # datetime counts 1/300 s
DATE_0001 = datetime.date(1, 1, 1)
DATETIME_1900 = datetime.datetime(1900, 1, 1)
UTC = datetime.timezone.utc
_WIDE = decimal.Context(prec=80)                # decimal(38) needs more than the default 28 digits

CHARACTER_TYPES = {"char", "varchar", "nchar", "nvarchar", "text", "ntext", "xml", "sysname"}
BINARY_TYPES = {"binary", "varbinary", "image", "rowversion", "timestamp"}
CLR_TYPES = {"geography", "geometry", "hierarchyid"}


@dataclass(frozen=True)
class SqlType:
    """A column's declared type: base name (lower case) plus length / precision / scale / max."""
    name: str
    length: int = None
    precision: int = None
    scale: int = None
    is_max: bool = False

    def __str__(self):
        if self.is_max:
            return f"{self.name}(max)"
        if self.name in ("decimal", "numeric"):
            return f"{self.name}({self.precision if self.precision is not None else 18},{self.scale or 0})"
        if self.name in ("time", "datetime2", "datetimeoffset"):
            return f"{self.name}({self.scale or 0})"
        if self.name == "float" and self.precision not in (None, 53):
            return f"float({self.precision})"
        if self.length is not None:
            return f"{self.name}({self.length})"
        return self.name

    @property
    def is_character(self):
        return self.name in CHARACTER_TYPES


# ---- time and date helpers: the byte layouts of §5.2 -------------------------------------------

def hundred_ns_since_midnight(value):
    return (((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond) * 10 \
        + hundred_ns_of(value)


def _time_parts(hundred_ns):
    seconds, fraction = divmod(hundred_ns, HUNDRED_NS_PER_SECOND)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    microsecond, rest = divmod(fraction, 10)
    return hour, minute, second, microsecond, rest


def time_from_hundred_ns(hundred_ns):
    hour, minute, second, microsecond, rest = _time_parts(hundred_ns)
    if rest:
        return PreciseTime(hour, minute, second, microsecond, hundred_ns=rest)
    return datetime.time(hour, minute, second, microsecond)


def datetime_from_parts(days_since_0001, hundred_ns, tzinfo=None):
    day = datetime.date.fromordinal(days_since_0001 + 1)
    hour, minute, second, microsecond, rest = _time_parts(hundred_ns)
    if rest:
        return PreciseDateTime(day.year, day.month, day.day, hour, minute, second, microsecond, tzinfo,
                               hundred_ns=rest)
    return datetime.datetime(day.year, day.month, day.day, hour, minute, second, microsecond, tzinfo)


def _decode_time(raw):
    return time_from_hundred_ns(int.from_bytes(raw, "little"))


def _encode_time(value):
    return hundred_ns_since_midnight(value).to_bytes(5, "little")


def _decode_date(raw):
    return datetime.date.fromordinal(int.from_bytes(raw, "little") + 1)


def _encode_date(value):
    return (value.toordinal() - 1).to_bytes(3, "little")


def _decode_datetime2(raw):
    return datetime_from_parts(int.from_bytes(raw[5:8], "little"), int.from_bytes(raw[0:5], "little"))


def _encode_datetime2(value):
    if type(value) is bytes and len(value) == 8:
        return value                    # already encoded (datetime2_text_bytes)
    return hundred_ns_since_midnight(value).to_bytes(5, "little") + (value.toordinal() - 1).to_bytes(3, "little")


# ---- fast paths from canonical text (engines that store values as text, e.g. SQLite) -------------
# Each returns the value's BCP bytes, exactly what encoding the parsed value gives, or None for any
# text it does not recognise; the caller then parses the text the ordinary way (which also names
# the error). The encoders above accept these bytes as already encoded.

_DAYS = {}                      # 'YYYY-MM-DD' -> days since 0001-01-01 (bounded caches)
_CLOCK = {}                     # 'HH:MM:SS' -> 100 ns ticks since midnight
_CACHE_LIMIT = 100_000
_FRACTION_SCALE = [10 ** (7 - n) for n in range(8)]


def datetime2_text_bytes(text):
    """'YYYY-MM-DD HH:MM:SS[.f{1,7}]' -> the 8 BCP bytes of datetime2 (any scale); else None."""
    size = len(text)
    if size < 19 or size == 20 or size > 27 or text[10] != " " or (size > 19 and text[19] != "."):
        return None
    day = text[:10]
    days = _DAYS.get(day)
    if days is None:
        if day[4] != "-" or day[7] != "-" or not (day[:4] + day[5:7] + day[8:]).isdigit() or not day.isascii():
            return None
        try:
            days = datetime.date.fromisoformat(day).toordinal() - 1
        except ValueError:
            return None
        if len(_DAYS) < _CACHE_LIMIT:
            _DAYS[day] = days
    clock = text[11:19]
    ticks = _CLOCK.get(clock)
    if ticks is None:
        if clock[2] != ":" or clock[5] != ":" or not (clock[:2] + clock[3:5] + clock[6:]).isdigit() \
                or not clock.isascii():
            return None
        try:
            moment = datetime.time.fromisoformat(clock)
        except ValueError:
            return None
        ticks = ((moment.hour * 60 + moment.minute) * 60 + moment.second) * HUNDRED_NS_PER_SECOND
        _CLOCK[clock] = ticks
    if size > 19:
        fraction = text[20:]
        if not (fraction.isascii() and fraction.isdigit()):
            return None
        ticks += int(fraction) * _FRACTION_SCALE[len(fraction)]
    return (ticks | days << 40).to_bytes(8, "little")


class decimal_text_encoder:   # noqa: N801 - used like the factory functions above
    """decimal_text_encoder(p, s)(text): plain decimal text ('-123.45', '0.5', '7'; ASCII digits,
    at most `s` fraction digits) -> the 19 BCP bytes of decimal(p, s); None for other text or a
    value that does not fit (the caller's ordinary path then rounds or reports it). Picklable."""

    def __init__(self, precision, scale):
        self.precision = 18 if precision is None else precision
        self.scale = scale or 0
        self._positive = bytes([self.precision, self.scale, 1])
        self._negative = bytes([self.precision, self.scale, 0])
        self._limit = 10 ** self.precision

    def __reduce__(self):
        return (decimal_text_encoder, (self.precision, self.scale))

    def __call__(self, text):
        if text[:1] == "-":
            head, body = self._negative, text[1:]
        else:
            head, body = self._positive, text
        whole, _, fraction = body.partition(".")
        digits = whole + fraction
        if len(fraction) > self.scale or not digits or not digits.isdigit() or not digits.isascii():
            return None
        magnitude = int(digits + "0" * (self.scale - len(fraction)))
        if magnitude >= self._limit:
            return None
        return head + magnitude.to_bytes(16, "little")


_OFFSETS = {}


def _timezone(minutes):
    zone = _OFFSETS.get(minutes)
    if zone is None:
        zone = _OFFSETS[minutes] = datetime.timezone(datetime.timedelta(minutes=minutes))
    return zone


def _decode_datetimeoffset(raw):
    # Stored as UTC time and date, then the offset in minutes; the value shows local time.
    microseconds, rest = divmod(int.from_bytes(raw[0:5], "little"), 10)
    offset_minutes = int.from_bytes(raw[8:10], "little", signed=True)
    utc = datetime.datetime.combine(datetime.date.fromordinal(int.from_bytes(raw[5:8], "little") + 1),
                                    datetime.time()) + datetime.timedelta(microseconds=microseconds)
    local = utc + datetime.timedelta(minutes=offset_minutes)
    zone = _timezone(offset_minutes)
    if rest:
        return PreciseDateTime(local.year, local.month, local.day, local.hour, local.minute, local.second,
                               local.microsecond, zone, hundred_ns=rest)
    return local.replace(tzinfo=zone)


def _encode_datetimeoffset(value):
    offset = value.utcoffset() or datetime.timedelta(0)
    offset_minutes = int(offset.total_seconds()) // 60
    utc = datetime.datetime(value.year, value.month, value.day, value.hour, value.minute, value.second,
                            value.microsecond) - offset
    return (hundred_ns_since_midnight(utc) + hundred_ns_of(value)).to_bytes(5, "little") \
        + (utc.toordinal() - 1).to_bytes(3, "little") + offset_minutes.to_bytes(2, "little", signed=True)


def _decode_datetime(days_since_1900, ticks_300):
    # 1/300 s ticks shown to the millisecond, as SQL Server does (.000, .003, .007); the mapping
    # back is exact because neighbouring ticks are 3.33 ms apart.
    milliseconds = (ticks_300 * 10 + 1) // 3
    return DATETIME_1900 + datetime.timedelta(days=days_since_1900, milliseconds=milliseconds)


def _encode_datetime(value):
    delta = _as_datetime(value) - DATETIME_1900
    microseconds = delta.seconds * 1_000_000 + delta.microseconds
    ticks_300 = (microseconds * 3 + 5_000) // 10_000
    days = delta.days
    if ticks_300 >= DATETIME_TICKS_PER_DAY:
        days, ticks_300 = days + 1, ticks_300 - DATETIME_TICKS_PER_DAY
    return days, ticks_300


def _decode_smalldatetime(days_since_1900, minutes):
    return DATETIME_1900 + datetime.timedelta(days=days_since_1900, minutes=minutes)


def _encode_smalldatetime(value):
    delta = _as_datetime(value) - DATETIME_1900
    minutes = (delta.seconds + 30) // 60
    days = delta.days
    if minutes >= 1440:
        days, minutes = days + 1, minutes - 1440
    return days, minutes


def _as_datetime(value):
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None)
    return datetime.datetime(value.year, value.month, value.day)


# ---- numbers ----------------------------------------------------------------------------------

def _decode_money(high, low):
    # money is stored high int32 first, then low uint32 (not a plain little-endian int64).
    return decimal.Decimal((high << 32) | low).scaleb(-4, context=_WIDE)


def _encode_money(value):
    units = money_to_units(value)
    return units >> 32, units & 0xFFFFFFFF


def _decode_smallmoney(units):
    return decimal.Decimal(units).scaleb(-4, context=_WIDE)


def _decode_decimal(raw):
    # precision byte, scale byte, sign byte (1 = positive), 16-byte little-endian magnitude.
    magnitude = int.from_bytes(raw[3:19], "little")
    value = decimal.Decimal(magnitude).scaleb(-raw[1], context=_WIDE)
    return value if raw[2] else value.copy_negate()


def decimal_encoder(precision, scale):
    precision = 18 if precision is None else precision
    scale = scale or 0
    quantum = decimal.Decimal(1).scaleb(-scale)
    header = bytes([precision, scale])
    limit = 10 ** precision

    def encode(value):
        if type(value) is bytes and len(value) == 19 and value[:2] == header:
            return value                # already encoded (decimal_text_encoder)
        if not isinstance(value, decimal.Decimal):
            value = decimal.Decimal(value) if not isinstance(value, float) else decimal.Decimal(repr(value))
        if not value.is_finite():
            raise ValueError(f"{value} is not a finite number")
        scaled = value.quantize(quantum, rounding=decimal.ROUND_HALF_UP, context=_WIDE).scaleb(scale, context=_WIDE)
        magnitude = abs(int(scaled))
        if magnitude >= limit:
            raise ValueError(f"{value} does not fit decimal({precision},{scale})")
        return header + (b"\x00" if value.is_signed() else b"\x01") + magnitude.to_bytes(16, "little")
    return encode


# ---- text and binary --------------------------------------------------------------------------

def decode_text(raw):
    # All character types are UTF-16LE in BCP data. surrogatepass keeps unpaired surrogates intact.
    return raw.decode("utf-16-le", "surrogatepass") if raw else ""


def encode_text(value):
    return value.encode("utf-16-le", "surrogatepass")


def padded_text_encoder(length):
    """char(n) / nchar(n): space-padded to n characters, as the server stores them."""
    width = 2 * length

    def encode(value):
        raw = value.encode("utf-16-le", "surrogatepass")
        if len(raw) < width:
            raw += b" \x00" * ((width - len(raw)) // 2)
        elif len(raw) > width:
            raise ValueError(f"{len(value)} characters do not fit in {length}")
        return raw
    return encode


def encode_binary(value):
    return _binary(value)


def _binary(value):
    # bytes(n) of an integer n would be n zero bytes: an integer in a binary column is refused, not
    # turned into gigabytes of zeros.
    if isinstance(value, int):
        raise TypeError(f"an integer ({value}) is not binary data")
    return bytes(value)


def padded_binary_encoder(length):
    def encode(value):
        raw = _binary(value)
        if len(raw) > length:
            raise ValueError(f"{len(raw)} bytes do not fit binary({length})")
        return raw + b"\x00" * (length - len(raw))
    return encode


def _decode_uuid(raw):
    return uuid.UUID(bytes_le=raw)


def _encode_uuid(value):
    return (value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))).bytes_le


# ---- codec descriptors ------------------------------------------------------------------------

@dataclass(frozen=True)
class FixedCodec:
    """A fixed-width value: `fmt` is its struct format (one or more items, no byte order mark).

    decode(*items) -> value and encode(value) -> items (a tuple when fmt has several items);
    None means the struct item is the value itself. `prefix_not_null` is the prefix width a NOT
    NULL column still carries (bit, uniqueidentifier, decimal); nullable columns always carry 1.
    """
    width: int
    fmt: str
    decode: object = None
    encode: object = None
    prefix_not_null: int = 0
    nullable_prefix: int = 1


@dataclass(frozen=True)
class VariableCodec:
    """A length-prefixed value: prefix width in bytes, decode(bytes) -> value, encode(value) -> bytes.

    max_bytes bounds the length a well-formed row can declare (None: only the data's end bounds it).
    null_length is the prefix value written for NULL (None: all bits set).
    """
    prefix: int
    decode: object
    encode: object
    max_bytes: int = None
    null_length: int = None


def _fixed(width, fmt, decode=None, encode=None, prefix_not_null=0):
    return FixedCodec(width, fmt, decode, encode, prefix_not_null)


_FIXED = {
    "tinyint": _fixed(1, "B"),
    "smallint": _fixed(2, "h"),
    "int": _fixed(4, "i"),
    "bigint": _fixed(8, "q"),
    "bit": _fixed(1, "?", prefix_not_null=1),
    "real": _fixed(4, "f"),
    "float": _fixed(8, "d"),
    "money": _fixed(8, "iI", _decode_money, _encode_money),
    "smallmoney": _fixed(4, "i", _decode_smallmoney, money_to_units),
    "datetime": _fixed(8, "iI", _decode_datetime, _encode_datetime),
    "smalldatetime": _fixed(4, "HH", _decode_smalldatetime, _encode_smalldatetime),
    "date": _fixed(3, "3s", _decode_date, _encode_date),
    "time": _fixed(5, "5s", _decode_time, _encode_time),
    "datetime2": _fixed(8, "8s", _decode_datetime2, _encode_datetime2),
    "datetimeoffset": _fixed(10, "10s", _decode_datetimeoffset, _encode_datetimeoffset),
    "uniqueidentifier": _fixed(16, "16s", _decode_uuid, _encode_uuid, prefix_not_null=1),
}


def codec_for(sql_type, nullable, encrypted=False):
    """The codec of a column, from its declared type and nullability."""
    from . import variant  # sql_variant's TDS layout lives in its own module
    name = sql_type.name
    if encrypted:
        # Always Encrypted cells travel as ciphertext: varbinary framing whatever the declared type.
        return VariableCodec(8 if sql_type.is_max else 2, bytes, encode_binary)
    if name in _FIXED:
        return _FIXED[name]
    if name in ("decimal", "numeric"):
        return FixedCodec(19, "19s", _decode_decimal, decimal_encoder(sql_type.precision, sql_type.scale),
                          prefix_not_null=1)
    if name == "char" and not sql_type.is_max:
        length = sql_type.length or 1
        if not nullable:
            encode = padded_text_encoder(length)
            return FixedCodec(2 * length, f"{2 * length}s", decode_text, encode)
        return VariableCodec(2, decode_text, padded_text_encoder(length), 2 * length)
    if name == "nchar":
        length = sql_type.length or 1
        return VariableCodec(2, decode_text, padded_text_encoder(length), 2 * length)
    if name in ("varchar", "nvarchar", "sysname"):
        if sql_type.is_max:
            return VariableCodec(8, decode_text, encode_text)
        length = 128 if name == "sysname" else (sql_type.length or 1)
        return VariableCodec(2, decode_text, encode_text, 2 * length)
    if name in ("text", "ntext"):
        return VariableCodec(4, decode_text, encode_text)
    if name == "xml":
        return VariableCodec(8, decode_text, encode_text)
    if name == "binary":
        length = sql_type.length or 1
        return VariableCodec(2, bytes, padded_binary_encoder(length), length)
    if name == "varbinary":
        if sql_type.is_max:
            return VariableCodec(8, bytes, encode_binary)
        return VariableCodec(2, bytes, encode_binary, sql_type.length or 1)
    if name in ("rowversion", "timestamp"):
        return VariableCodec(2, bytes, encode_binary, 8)
    if name == "image":
        return VariableCodec(4, bytes, encode_binary)
    if name == "sql_variant":
        # DacFx writes a NULL sql_variant as a zero-length value, not as an all-ones prefix.
        return VariableCodec(4, variant.decode, variant.encode, 8016, null_length=0)
    # geography, geometry, hierarchyid and any other CLR type: the UDT's own serialisation.
    return VariableCodec(8, bytes, encode_binary)


__all__ = ["SqlType", "FixedCodec", "VariableCodec", "codec_for", "SqlVariant", "struct"]
