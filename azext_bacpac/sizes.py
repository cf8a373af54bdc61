"""Sizes as people write them: the one grammar of --max-size, --max-uncompressed-size and the
AZEXT_BACPAC_MAX_* environment variables.

A size is a whole number of bytes, or a whole number with a unit K, M, G, T or P, written with or
without a trailing B and with or without an i (10GB = 10G = 10GiB), in any case, with optional
spaces. Every unit is a power of 1024, as Azure SQL's maximum sizes are (Basic's 2 GB is 2 GiB).
"""
import re

UNITS = "KMGTP"
_SIZE = re.compile(r"^\s*(\d+)\s*(?:([KMGTP])(?:I?B)?|B)?\s*$", re.IGNORECASE)
EXAMPLE = "bytes (10737418240) or a whole number with a unit: 10GB, 500MiB, 2T"


def parse_size(text):
    """The number of bytes `text` says; ValueError when it is not a size in this grammar."""
    match = _SIZE.match(text if isinstance(text, str) else "")
    if match is None:
        raise ValueError(f"'{text}' is not a size: use {EXAMPLE}")
    unit = (match.group(2) or "").upper()
    return int(match.group(1)) << (10 * (UNITS.index(unit) + 1) if unit else 0)
