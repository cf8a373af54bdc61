"""Python values for SQL Server types that the standard library cannot hold exactly.

SQL Server keeps time, datetime2 and datetimeoffset to 100 ns; Python's datetime stops at 1 us.
Values with a non-zero 100 ns digit decode to the subclasses below, which carry that digit and
compare, hash and print with it. Every other value decodes to a plain date, time or datetime.
"""
import datetime
import decimal
from dataclasses import dataclass

HUNDRED_NS_PER_SECOND = 10_000_000


class PreciseTime(datetime.time):
    """A time of day with SQL Server's 100 ns resolution (the seventh fractional digit)."""

    def __new__(cls, hour=0, minute=0, second=0, microsecond=0, tzinfo=None, *, fold=0, hundred_ns=0):
        value = super().__new__(cls, hour, minute, second, microsecond, tzinfo, fold=fold)
        if not 0 <= hundred_ns <= 9:
            raise ValueError("hundred_ns must be in 0..9")
        value.hundred_ns = hundred_ns
        return value

    def __reduce__(self):
        return (_make_time, (self.hour, self.minute, self.second, self.microsecond, self.hundred_ns))

    def __eq__(self, other):
        if isinstance(other, datetime.time):
            return super().__eq__(other) and self.hundred_ns == getattr(other, "hundred_ns", 0)
        return NotImplemented

    def __hash__(self):
        return hash((super().__hash__(), self.hundred_ns))

    def isoformat(self, timespec="auto"):
        base = datetime.time(self.hour, self.minute, self.second, self.microsecond, self.tzinfo)
        return _with_seventh_digit(base.isoformat("microseconds"), self.hundred_ns)

    __str__ = isoformat

    def __repr__(self):
        return f"PreciseTime({self.isoformat()!r})"


class PreciseDateTime(datetime.datetime):
    """A datetime with SQL Server's 100 ns resolution (datetime2(7), datetimeoffset(7))."""

    def __new__(cls, year, month=None, day=None, hour=0, minute=0, second=0, microsecond=0, tzinfo=None,
                *, fold=0, hundred_ns=0):
        value = super().__new__(cls, year, month, day, hour, minute, second, microsecond, tzinfo, fold=fold)
        if not 0 <= hundred_ns <= 9:
            raise ValueError("hundred_ns must be in 0..9")
        value.hundred_ns = hundred_ns
        return value

    def __reduce__(self):
        return (_make_datetime, (self.year, self.month, self.day, self.hour, self.minute, self.second,
                                 self.microsecond, self.tzinfo, self.hundred_ns))

    def __eq__(self, other):
        if isinstance(other, datetime.datetime):
            return super().__eq__(other) and self.hundred_ns == getattr(other, "hundred_ns", 0)
        return NotImplemented

    def __hash__(self):
        return hash((super().__hash__(), self.hundred_ns))

    def isoformat(self, sep="T", timespec="auto"):
        text = datetime.datetime(self.year, self.month, self.day, self.hour, self.minute, self.second,
                                 self.microsecond).isoformat(sep, "microseconds")
        text = _with_seventh_digit(text, self.hundred_ns)
        offset = self.utcoffset()
        if offset is not None:
            text += _format_offset(offset)
        return text

    def __str__(self):
        return self.isoformat(" ")

    def __repr__(self):
        return f"PreciseDateTime({self.isoformat()!r})"


def _make_time(hour, minute, second, microsecond, hundred_ns):
    return PreciseTime(hour, minute, second, microsecond, hundred_ns=hundred_ns)


def _make_datetime(year, month, day, hour, minute, second, microsecond, tzinfo, hundred_ns):
    return PreciseDateTime(year, month, day, hour, minute, second, microsecond, tzinfo, hundred_ns=hundred_ns)


def _with_seventh_digit(text, hundred_ns):
    return text + str(hundred_ns)


def _format_offset(offset):
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def hundred_ns_of(value):
    """The seventh fractional digit of a time or datetime (0 for standard-library values)."""
    return getattr(value, "hundred_ns", 0)


@dataclass(frozen=True)
class SqlVariant:
    """A sql_variant cell: its natural value, the base type's name, and the exact stored bytes.

    The stored bytes are kept so that re-encoding is byte-identical whatever the base type's
    properties (collation, declared length, precision) were.
    """
    value: object
    base_type: str
    raw: bytes

    def __str__(self):
        return str(self.value)


def money_to_units(value):
    """money/smallmoney values are exact multiples of 1/10 000."""
    units = decimal.Decimal(value).scaleb(4, context=decimal.Context(prec=60))
    if units != units.to_integral_value():
        units = units.quantize(decimal.Decimal(1), rounding=decimal.ROUND_HALF_UP,
                               context=decimal.Context(prec=60))
    return int(units)
