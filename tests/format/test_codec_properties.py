"""Property tests: random values of every type encode and decode back exactly, nullable or not."""
import datetime
import decimal
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from azext_bacpac.format.bcp import ColumnLayout, RowCodec
from azext_bacpac.format.sqltypes import SqlType, datetime_from_parts, time_from_hundred_ns
from azext_bacpac.format.values import SqlVariant

BMP_TEXT = st.characters(max_codepoint=0xFFFF, blacklist_categories=("Cs",))
ANY_TEXT = st.characters(blacklist_categories=("Cs",))
DATETIME_1900 = datetime.datetime(1900, 1, 1)
HUNDRED_NS_PER_DAY = 864_000_000_000


def padded(length):
    return st.text(BMP_TEXT, max_size=length).map(lambda s: s.ljust(length))


@st.composite
def decimals(draw, precision, scale):
    digits = draw(st.integers(-(10 ** precision - 1), 10 ** precision - 1))
    return decimal.Decimal(digits).scaleb(-scale, context=decimal.Context(prec=80))


def datetimes_1_300():
    # datetime keeps 1/300 s ticks and shows them to the millisecond (.000/.003/.007)
    return st.builds(lambda days, ticks: DATETIME_1900 + datetime.timedelta(days=days, milliseconds=(ticks * 10 + 1) // 3),
                     st.integers(-53690, 2958463), st.integers(0, 25_919_999))


def datetime2s():
    return st.builds(datetime_from_parts, st.integers(0, 3_652_058), st.integers(0, HUNDRED_NS_PER_DAY - 1))


@st.composite
def datetimeoffsets(draw):
    minutes = draw(st.integers(-840, 840))
    utc = datetime_from_parts(draw(st.integers(1, 3_652_057)), draw(st.integers(0, HUNDRED_NS_PER_DAY - 1)))
    local = datetime.datetime(utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second, utc.microsecond) \
        + datetime.timedelta(minutes=minutes)
    zone = datetime.timezone(datetime.timedelta(minutes=minutes))
    rest = getattr(utc, "hundred_ns", 0)
    from azext_bacpac.format.values import PreciseDateTime
    if rest:
        return PreciseDateTime(local.year, local.month, local.day, local.hour, local.minute, local.second,
                               local.microsecond, zone, hundred_ns=rest)
    return local.replace(tzinfo=zone)


CASES = {
    "tinyint": (SqlType("tinyint"), st.integers(0, 255)),
    "smallint": (SqlType("smallint"), st.integers(-2**15, 2**15 - 1)),
    "int": (SqlType("int"), st.integers(-2**31, 2**31 - 1)),
    "bigint": (SqlType("bigint"), st.integers(-2**63, 2**63 - 1)),
    "bit": (SqlType("bit"), st.booleans()),
    "real": (SqlType("real"), st.floats(width=32, allow_nan=False, allow_infinity=False)),
    "float": (SqlType("float", precision=53), st.floats(allow_nan=False, allow_infinity=False)),
    "decimal(38,10)": (SqlType("decimal", precision=38, scale=10), decimals(38, 10)),
    "decimal(38,38)": (SqlType("decimal", precision=38, scale=38), decimals(38, 38)),
    "numeric(5,0)": (SqlType("numeric", precision=5, scale=0), decimals(5, 0)),
    "money": (SqlType("money"), st.integers(-2**63, 2**63 - 1).map(lambda i: decimal.Decimal(i).scaleb(-4))),
    "smallmoney": (SqlType("smallmoney"), st.integers(-2**31, 2**31 - 1).map(lambda i: decimal.Decimal(i).scaleb(-4))),
    "datetime": (SqlType("datetime"), datetimes_1_300()),
    "smalldatetime": (SqlType("smalldatetime"),
                      st.builds(lambda d, m: DATETIME_1900 + datetime.timedelta(days=d, minutes=m),
                                st.integers(0, 65535), st.integers(0, 1439))),
    "date": (SqlType("date"), st.dates()),
    "time(7)": (SqlType("time", scale=7), st.integers(0, HUNDRED_NS_PER_DAY - 1).map(time_from_hundred_ns)),
    "datetime2(7)": (SqlType("datetime2", scale=7), datetime2s()),
    "datetimeoffset(7)": (SqlType("datetimeoffset", scale=7), datetimeoffsets()),
    "uniqueidentifier": (SqlType("uniqueidentifier"), st.uuids()),
    "char(5)": (SqlType("char", length=5), padded(5)),
    "nchar(3)": (SqlType("nchar", length=3), padded(3)),
    "varchar(20)": (SqlType("varchar", length=20), st.text(BMP_TEXT, max_size=20)),
    "nvarchar(40)": (SqlType("nvarchar", length=40), st.text(BMP_TEXT, max_size=40)),
    "varchar(max)": (SqlType("varchar", is_max=True), st.text(ANY_TEXT, max_size=300)),
    "nvarchar(max)": (SqlType("nvarchar", is_max=True), st.text(ANY_TEXT, max_size=300)),
    "text": (SqlType("text"), st.text(ANY_TEXT, max_size=100)),
    "ntext": (SqlType("ntext"), st.text(ANY_TEXT, max_size=100)),
    "xml": (SqlType("xml"), st.text(ANY_TEXT, max_size=100).map(lambda s: f"<a>{s}</a>")),
    "binary(4)": (SqlType("binary", length=4), st.binary(min_size=4, max_size=4)),
    "varbinary(16)": (SqlType("varbinary", length=16), st.binary(max_size=16)),
    "varbinary(max)": (SqlType("varbinary", is_max=True), st.binary(max_size=500)),
    "image": (SqlType("image"), st.binary(max_size=100)),
    "rowversion": (SqlType("rowversion"), st.binary(min_size=8, max_size=8)),
    "geography": (SqlType("geography"), st.binary(max_size=100)),
    "geometry": (SqlType("geometry"), st.binary(max_size=100)),
    "hierarchyid": (SqlType("hierarchyid"), st.binary(max_size=20)),
    "sql_variant": (SqlType("sql_variant"), st.one_of(st.integers(-2**63, 2**63 - 1), st.text(BMP_TEXT, max_size=50),
                                                       st.binary(max_size=50), st.floats(allow_nan=False), st.uuids(),
                                                       st.booleans(), decimals(20, 5), st.dates())),
}


def _comparable(value):
    if isinstance(value, SqlVariant):
        return _comparable(value.value)
    if isinstance(value, decimal.Decimal):
        return (value, value.as_tuple().exponent)
    return value


@pytest.mark.parametrize("type_name", sorted(CASES))
@pytest.mark.parametrize("nullable", [True, False], ids=["null", "notnull"])
def test_values_round_trip_exactly(type_name, nullable):
    sql_type, values = CASES[type_name]
    column_values = st.one_of(st.none(), values) if nullable else values
    codec = RowCodec("[dbo].[T]", [ColumnLayout("ID", SqlType("int"), False), ColumnLayout("C", sql_type, nullable),
                                   ColumnLayout("After", SqlType("nvarchar", length=10), True)])

    @settings(max_examples=60, deadline=None)
    @given(st.lists(column_values, min_size=1, max_size=5))
    def check(cells):
        rows = [(i, cell, f"r{i}") for i, cell in enumerate(cells)]
        data = codec.encode_many(rows)
        decoded = [row for batch in codec.decode_stream(io.BytesIO(data), "t", len(data)) for row in batch]
        assert [tuple(_comparable(v) for v in row) for row in decoded] == \
               [tuple(_comparable(v) for v in row) for row in rows]
        assert codec.encode_many(decoded) == data
    check()
