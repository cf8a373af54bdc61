"""The text fast paths of the encoder give exactly the bytes of the ordinary path, or step aside."""
import datetime
import decimal

from hypothesis import given, settings, strategies as st

from azext_bacpac.engines.sqlite_types import export_fast_adapter as export_adapter, format_datetime, parse_naive_datetime
from azext_bacpac.format.sqltypes import (SqlType, _encode_datetime2, datetime2_text_bytes, decimal_encoder,
                                          decimal_text_encoder)


@settings(max_examples=400, deadline=None)
@given(st.datetimes(min_value=datetime.datetime(1, 1, 1), max_value=datetime.datetime(9999, 12, 31, 23, 59, 59)),
       st.integers(0, 7), st.integers(0, 9))
def test_datetime2_text_bytes_match_the_parsed_value(value, scale, seventh):
    value = value.replace(microsecond=value.microsecond // 10 ** (6 - min(scale, 6)) * 10 ** (6 - min(scale, 6)))
    text = format_datetime(value, scale)
    if scale == 7:
        text = text[:-1] + str(seventh)
    assert datetime2_text_bytes(text) == _encode_datetime2(parse_naive_datetime(text))


def test_datetime2_text_bytes_step_aside_for_other_text():
    for text in ("2024-02-30 00:00:00", "2024-01-01T00:00:00", "2024-01-01 24:00:00", "2024-01-01 00:00:00.",
                 "2024-01-01 00:00:00.12345678", "2024-W01-1 00:00:00", "２０２４-01-01 00:00:00",
                 "2024-01-01 00:00:00+01:00", "2024-01-01 00:00", "2024-1-01 00:00:00", "2024-01-01 00:00:6x"):
        assert datetime2_text_bytes(text) is None, text


@settings(max_examples=400, deadline=None)
@given(st.integers(1, 38), st.data())
def test_decimal_text_bytes_match_the_ordinary_encoder(precision, data):
    scale = data.draw(st.integers(0, precision))
    digits = data.draw(st.integers(0, 10 ** precision - 1))
    shown = data.draw(st.integers(0, scale))       # fraction digits written (trailing zeros dropped)
    sign = data.draw(st.sampled_from(["", "-"]))
    with decimal.localcontext(decimal.Context(prec=80)):
        value = decimal.Decimal(digits).scaleb(-scale)
        text = sign + format(value.quantize(decimal.Decimal(1).scaleb(-shown), rounding=decimal.ROUND_DOWN), "f")
    fast = decimal_text_encoder(precision, scale)(text)
    assert fast == decimal_encoder(precision, scale)(decimal.Decimal(text))


def test_decimal_text_encoder_steps_aside_for_other_text():
    encode = decimal_text_encoder(5, 2)
    for text in ("1.234", "1e3", " 1.5", "+1.5", "1,5", "١٢٣", "", "-", ".", "123456", "NaN"):
        assert encode(text) is None, text
    assert encode("-0.00") == decimal_encoder(5, 2)(decimal.Decimal("-0.00"))
    assert encode(".5") == decimal_encoder(5, 2)(decimal.Decimal(".5"))


def test_the_sqlite_adapters_keep_every_other_value_on_the_ordinary_path():
    decimal_adapter = export_adapter(SqlType("decimal", precision=5, scale=2))
    assert decimal_adapter("1.234") == decimal.Decimal("1.234")          # rounded by the encoder, as before
    assert decimal_adapter(3) == decimal.Decimal(3)
    datetime_adapter = export_adapter(SqlType("datetime2", scale=3))
    assert datetime_adapter("2024-01-01T10:00:00") == datetime.datetime(2024, 1, 1, 10)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 38), st.data())
def test_raw_decimal_decoders_match_decode_then_adapter(precision, data):
    from azext_bacpac.engines.sqlite_types import import_adapter, import_raw_decoder
    from azext_bacpac.format.sqltypes import _decode_decimal
    scale = data.draw(st.integers(0, precision))
    sql_type = SqlType("decimal", precision=precision, scale=scale)
    raw = bytes([precision, data.draw(st.sampled_from([scale, 0, 3])), data.draw(st.sampled_from([0, 1]))]) + \
        data.draw(st.integers(0, 10 ** precision - 1)).to_bytes(16, "little")
    expected = import_adapter(sql_type)(_decode_decimal(raw))
    assert import_raw_decoder(sql_type)(raw) == expected and type(import_raw_decoder(sql_type)(raw)) is type(expected)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 3652058), st.integers(0, 864_000_000_000 - 1), st.integers(0, 7))
def test_raw_datetime2_decoder_matches_decode_then_adapter(days, ticks, scale):
    from azext_bacpac.engines.sqlite_types import import_adapter, import_raw_decoder
    from azext_bacpac.format.sqltypes import _decode_datetime2
    raw = ticks.to_bytes(5, "little") + days.to_bytes(3, "little")
    sql_type = SqlType("datetime2", scale=scale)
    assert import_raw_decoder(sql_type)(raw) == import_adapter(sql_type)(_decode_datetime2(raw))
