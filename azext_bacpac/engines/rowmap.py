"""Row mappers compiled once per table: the per-column conversions of a row, with no dispatch per value.

A mapper is described by one output spec per output value:
  i             copy input i as it is
  (fn, i)       fn(input i), or None when input i is None
  (fn, i, j)    fn(input i, input j), called even for None (fn decides)
and compiled into a plain function `row -> tuple`. A table whose outputs are its inputs in order
needs no mapper at all (None), and its rows go to the database or the codec untouched.
"""


_COMPILED = {}
_COMPILED_MAX = 4096


def compile_row_mapper(width, outputs):
    """A function mapping a `width`-tuple to the output tuple, or None for the identity.

    Mappers are pure functions of their spec: tables of one shape share one (a database of 50,000
    tables would otherwise hold 50,000 compiled functions)."""
    if list(outputs) == list(range(width)):
        return None
    try:
        key = (width, tuple(outputs))
        found = _COMPILED.get(key)
    except TypeError:                     # an unhashable function in the spec: compile it alone
        return _compile(width, outputs)
    if found is None:
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.clear()
        found = _COMPILED[key] = _compile(width, outputs)
    return found


def _compile(width, outputs):
    names = {}
    parts = []
    for number, spec in enumerate(outputs):
        if isinstance(spec, int):
            parts.append(f"a{spec}")
        elif len(spec) == 2:
            fn, i = spec
            names[f"f{number}"] = fn
            parts.append(f"(None if a{i} is None else f{number}(a{i}))")
        else:
            fn, i, j = spec
            names[f"f{number}"] = fn
            parts.append(f"f{number}(a{i}, a{j})")
    unpack = "".join(f"a{i}, " for i in range(width))
    source = (f"def map_row(row):\n"
              f"    ({unpack}) = row\n"
              f"    return ({''.join(p + ', ' for p in parts)})\n")
    exec(compile(source, "<row mapper>", "exec"), names)   # noqa: S102 - generated from our own specs
    return names["map_row"]


def first_failure(outputs, row):
    """(output index, error) of the first spec that fails on `row`: to name the column in errors."""
    for number, spec in enumerate(outputs):
        if isinstance(spec, int):
            continue
        try:
            if len(spec) == 2:
                if row[spec[1]] is not None:
                    spec[0](row[spec[1]])
            else:
                spec[0](row[spec[1]], row[spec[2]])
        except Exception as error:   # noqa: BLE001 - reported with the column named
            return number, error
    return None, None
