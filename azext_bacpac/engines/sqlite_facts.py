"""What a SQLite column says that its SQL Server type cannot: carried as extended properties of the
column, which SQL Server keeps too (sys.extended_properties), so that SQLite -> BACPAC -> SQLite gives
the same declared types and the same date/time text.

  SQLite_DeclaredType    the declared type as SQLite reports it ('INTEGER', 'DECIMAL(12, 2)', '' for
                         none), where an import would otherwise declare another ('BIGINT',
                         'DECIMAL(12,2)'): the copy declares this one, so it has the same affinity.
  SQLite_DateTimeFormat  the text form of a date/time column's values, where it is not the one an
                         import writes ('yyyy-MM-dd HH:mm:ss.fff' at the column's scale), as a .NET
                         custom format (SQL Server's FORMAT() takes it): yyyy-MM-dd, 'T' (or a space),
                         HH:mm, :ss, .fff (that many digits), .FFF (up to that many, trailing zeros
                         dropped, no point for zero), [.fff] (that many, or none for zero: Python's
                         isoformat), 'Z' or zzz (+hh:mm, after a space or not).

Both are read back only in the shapes written here: a declared type goes into DDL as one quoted
identifier (SQLite takes the type from it as written), a format only drives how values are printed.
"""
import re
from dataclasses import dataclass

from ..format.model import quote, split_name
from ..format.model_objects import ExtendedProperty, extended_properties
from .sqlite_schema import quote_ident
from .sqlite_types import declared_type

DECLARED_TYPE = "SQLite_DeclaredType"
TEXT_FORMAT = "SQLite_DateTimeFormat"
NAMES = (DECLARED_TYPE, TEXT_FORMAT)
_CARRIED_TYPE = re.compile(r"[\x20-\x7e]{0,200}")       # printable ASCII (no quote: see quoted_type)
_TIMED = {"date", "time", "datetime2", "datetime", "smalldatetime", "datetimeoffset"}


def quoted_type(declared):
    """A carried declared type as DDL: one quoted identifier (nothing of it is read as SQL)."""
    return quote_ident(declared) if declared else ""


def carriable(declared):
    return _CARRIED_TYPE.fullmatch(declared) is not None and '"' not in declared


# ---- date/time text formats --------------------------------------------------------------------

_PATTERN = re.compile(r"(?P<date>yyyy-MM-dd)?(?:(?P<sep> |'T')?(?P<time>HH:mm)(?P<sec>:ss)?"
                      r"(?P<frac>\.f{1,7}|\.F{1,7}|\[\.f{1,7}\])?)?(?P<zone> ?zzz|'Z')?")
_MASK = re.compile(r"(?P<date>9999-99-99)?(?:(?P<sep>[ T])?(?P<time>99:99)(?P<sec>:99)?(?:\.(?P<frac>9{1,7}))?)?"
                   r"(?P<zone>Z| ?[+-]99:99)?")


@dataclass(frozen=True)
class TextFormat:
    date: bool = True
    time: bool = True
    separator: str = " "
    seconds: bool = True
    fraction: str = "fixed"         # fixed, trimmed (.FFF) or optional ([.fff])
    digits: int = 0
    zone: str = ""                  # '', 'Z', 'zzz' or ' zzz'

    @property
    def pattern(self):
        text = "yyyy-MM-dd" if self.date else ""
        if self.time:
            if self.date:
                text += "'T'" if self.separator == "T" else " "
            text += "HH:mm" + (":ss" if self.seconds else "")
            if self.digits:
                text += {"fixed": ".{}", "trimmed": ".{}", "optional": "[.{}]"}[self.fraction].format(
                    ("F" if self.fraction == "trimmed" else "f") * self.digits)
        return text + ("'Z'" if self.zone == "Z" else self.zone)

    @classmethod
    def parse(cls, pattern):
        """The format a pattern describes, or None when it is not one this module writes."""
        match = _PATTERN.fullmatch(pattern or "")
        if match is None or not (match["date"] or match["time"]) or \
                (match["date"] and match["time"] and not match["sep"]) or (match["zone"] and not match["time"]):
            return None
        frac = match["frac"] or ""
        style = "optional" if frac.startswith("[") else "trimmed" if "F" in frac else "fixed"
        return cls(bool(match["date"]), bool(match["time"]), "T" if match["sep"] == "'T'" else " ",
                   bool(match["sec"]), style, frac.count("f") + frac.count("F"),
                   "Z" if match["zone"] == "'Z'" else (match["zone"] or ""))

    def text(self, value):
        """A date, time or datetime (PreciseDateTime/PreciseTime: 100 ns) in this format."""
        parts = []
        if self.date:
            parts.append(f"{value.year:04d}-{value.month:02d}-{value.day:02d}")
        if self.time:
            if self.date:
                parts.append(self.separator)
            parts.append(f"{value.hour:02d}:{value.minute:02d}")
            hundred_ns = value.microsecond * 10 + getattr(value, "hundred_ns", 0)
            if self.seconds or value.second or hundred_ns:          # (a value is never cut to fit)
                parts.append(f":{value.second:02d}" + self._fraction(hundred_ns))
            parts.append(self._zone(value))
        return "".join(parts)

    def _fraction(self, hundred_ns):
        digits = f"{hundred_ns:07d}"
        significant = len(digits.rstrip("0"))
        if self.fraction == "trimmed" or (self.fraction == "optional" and not significant):
            count = significant
        else:
            count = max(self.digits, significant)      # never a digit less than the value has
        return "." + digits[:count] if count else ""

    def _zone(self, value):
        if self.zone == "Z":
            return "Z"
        offset = value.utcoffset() if self.zone and getattr(value, "tzinfo", None) is not None else None
        if offset is None:
            return ""
        minutes = int(offset.total_seconds()) // 60
        sign = "-" if minutes < 0 else "+"
        hours, minutes = divmod(abs(minutes), 60)
        return f"{' ' if self.zone.startswith(' ') else ''}{sign}{hours:02d}:{minutes:02d}"


def import_format(sql_type):
    """The format an import writes a column of `sql_type` in (sqlite_types.import_adapter)."""
    name, scale = sql_type.name, sql_type.scale or 0
    if name == "date":
        return TextFormat(time=False)
    if name == "time":
        return TextFormat(date=False, digits=scale)
    digits = {"datetime": 3, "smalldatetime": 0}.get(name, scale)
    return TextFormat(digits=digits, zone=" zzz" if name == "datetimeoffset" else "")


def _length(text_format):
    """The length of every value in a fixed format (for the cheap check of the scan's lengths)."""
    if text_format.fraction != "fixed":
        return None
    length = (10 if text_format.date else 0) + (1 if text_format.date and text_format.time else 0)
    if text_format.time:
        length += 5 + (3 if text_format.seconds else 0) + (text_format.digits + 1 if text_format.digits else 0)
    return length + {"": 0, "Z": 1, "zzz": 6, " zzz": 7}[text_format.zone]


def needs_detection(candidate, sql_type, stats):
    """Whether a date/time column's text may differ from the import's format: always for SQLite's own
    DATETIME/TIMESTAMP/TIME (their scale came from the data), else when the scan saw other lengths."""
    if sql_type.name not in _TIMED or stats.text_max is None:
        return False
    if candidate.native_scale:
        return True
    expected = _length(import_format(sql_type))
    return not (stats.text_min == stats.text_max == expected)


def _mask(c):
    for digit in "012345678":
        c = f"replace({c}, '{digit}', '9')"
    return c


def detect_format(conn, table, column, sql_type):
    """(TextFormat of the column's values, or None when it is the import's own; a warning or None).

    One query: the distinct shapes of the values (digits masked), and per shape whether a fraction
    ends in 0 or is all zeros (which tell .FFF and [.fff] from .fff)."""
    c = quote_ident(column)
    after = f"substr({c}, instr({c}, '.') + 1)"
    digits = f"(length({after}) - length(ltrim({after}, '0123456789')))"
    rows = conn.execute(
        f"SELECT shape, count(*), max(trailing), max(zero) FROM (SELECT {_mask(c)} AS shape, "
        f"instr({c}, '.') > 0 AND substr({after}, {digits}, 1) = '0' AS trailing, "
        f"instr({c}, '.') > 0 AND ltrim(substr({after}, 1, {digits}), '0') = '' AS zero "
        f"FROM {quote_ident(table)} WHERE typeof({c}) = 'text') GROUP BY shape ORDER BY 2 DESC LIMIT 64").fetchall()
    default = import_format(sql_type)
    shapes = []
    for shape, count, trailing, zero in rows:
        match = _MASK.fullmatch(shape)
        if match is None:
            return None, f"its values are not all in one date/time text form; the copy writes them as {default.pattern}"
        zone = match["zone"] or ""
        key = (bool(match["date"]), bool(match["time"]), match["sep"] or " ", bool(match["sec"]),
               "Z" if zone == "Z" else (" zzz" if zone.startswith(" ") else "zzz" if zone else ""))
        shapes.append((key, len(match["frac"] or ""), count, bool(trailing), bool(zero)))
    if not shapes:
        return None, None
    key = shapes[0][0]
    lengths = {length for _, length, _, _, _ in shapes}
    found = _fraction_style(lengths, any(t for _, _, _, t, _ in shapes), any(z for _, _, _, _, z in shapes))
    warning = None
    if any(other != key for other, _, _, _, _ in shapes) or found is None:
        found = ("fixed", max(lengths))
        warning = "its values are written in more than one date/time text form"
    date, time, separator, seconds, zone = key
    chosen = TextFormat(date, time, separator, seconds, found[0], found[1], zone)
    if warning:
        warning += f"; the copy writes them as {chosen.pattern}"
    if _same(chosen, default):
        return None, warning
    return chosen, warning


def _fraction_style(lengths, trailing_zero, all_zero):
    if len(lengths) == 1:
        return "fixed", next(iter(lengths))
    if not trailing_zero:
        return "trimmed", max(lengths)
    if len(lengths) == 2 and 0 in lengths and not all_zero:
        return "optional", max(lengths)
    return None


def _same(found, default):
    if found.fraction != "fixed" and not found.digits:
        found = TextFormat(found.date, found.time, found.separator, found.seconds, "fixed", 0, found.zone)
    return found == default


# ---- export: the properties of a derived table --------------------------------------------------

def column_properties(schema, table, column, declared, import_declared, text_format=None, computed=False):
    """The extended properties a derived column needs (none when the import would do the same)."""
    host = quote(schema, table, column)
    host_type = "SqlComputedColumn" if computed else "SqlColumn"
    found = []
    if declared != import_declared and carriable(declared):
        found.append(ExtendedProperty(host, host_type, DECLARED_TYPE, declared))
    if text_format is not None:
        found.append(ExtendedProperty(host, host_type, TEXT_FORMAT, text_format.pattern))
    return found


def import_declared_type(sql_type, rowid_alias=False):
    """The declared type an import gives a column of `sql_type` (as SQLite reports it)."""
    return "" if sql_type is None else declared_type(sql_type, rowid_alias=rowid_alias)


# ---- import: the properties a package carries ----------------------------------------------------

@dataclass
class ColumnFacts:
    declared: str = None        # SQLite_DeclaredType
    text_format: TextFormat = None


def read(model):
    """({(schema, table, column): ColumnFacts}, [warnings], Name attributes of the property elements used).
    By name, not by object: the model may hand out a new element object on each read (element_store)."""
    facts, warnings, used = {}, [], set()
    for element, prop in extended_properties(model):
        if prop is None or prop.name not in NAMES or prop.host_type not in ("SqlColumn", "SqlComputedColumn"):
            continue
        parts = split_name(prop.host)
        if len(parts) != 3:
            continue
        entry = facts.setdefault(tuple(parts), ColumnFacts())
        if prop.name == DECLARED_TYPE and carriable(prop.value):
            entry.declared = prop.value
        elif prop.name == TEXT_FORMAT and TextFormat.parse(prop.value) is not None:
            entry.text_format = TextFormat.parse(prop.value)
        else:
            warnings.append(f"extended property {prop.name} of {prop.host} ({prop.value[:60]!r}) is not one an "
                            f"import reads; it was ignored")
            continue
        used.add(element.get("Name"))
    return facts, warnings, used


@dataclass
class Facts:
    columns: dict               # (schema, table, column) -> ColumnFacts
    used: set                   # Name attributes of the property elements an import applies


def apply(model, plans, warnings):
    """Give planned stored columns the declared types and date/time formats the package carries
    (computed columns take theirs when they are planned); returns the Facts."""
    columns, problems, used = read(model)
    warnings.extend(problems)
    by_name = {(plan.table.schema, plan.table.name): plan for plan in plans.values()}
    for (schema, table, column), fact in columns.items():
        plan = by_name.get((schema, table))
        planned = next((c for c in plan.columns if c.name == column), None) if plan is not None else None
        if planned is None:
            continue
        if fact.declared is not None:
            planned.declared, planned.carried = fact.declared, True
        if fact.text_format is not None and planned.sql_type.name in _TIMED and not planned.encrypted:
            planned.text_format = fact.text_format
    return Facts(columns, used)


__all__ = ["DECLARED_TYPE", "TEXT_FORMAT", "TextFormat", "ColumnFacts", "read", "detect_format",
           "needs_detection", "column_properties", "import_declared_type", "quoted_type", "import_format", "apply",
           "Facts"]
