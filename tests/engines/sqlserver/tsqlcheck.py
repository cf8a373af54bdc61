"""Every statement the engine sends must parse with sqlglot's T-SQL dialect.

sqlglot falls back to a generic Command for statements it does not model (CREATE COLUMN MASTER KEY,
CREATE USER, SET IDENTITY_INSERT ...): that is a successful parse. A few valid T-SQL constructs make
it fail outright; each is listed in KNOWN_GAPS with the exact fragment it removes before parsing,
so that the rest of the statement is still checked (and the fragment itself is checked by the
regular expression). Module texts from a package (views, procedures ...) are the package's own
code, sent verbatim, and are checked by the tests only for where they come in the sequence.
"""
import logging
import re

import sqlglot
from sqlglot.errors import ParseError

NAME = r"\[(?:[^\]]|\]\])+\]"
KNOWN_GAPS = [
    # column definition: Always Encrypted settings
    (re.compile(rf" ENCRYPTED WITH \(COLUMN_ENCRYPTION_KEY = {NAME}, ENCRYPTION_TYPE = (?:DETERMINISTIC|RANDOMIZED), "
                rf"ALGORITHM = '[A-Z0-9_]+'\)"), ""),
    # table hint on INSERT
    (re.compile(rf"^(INSERT INTO {NAME}\.{NAME}) WITH \(TABLOCK\)"), r"\1"),
    # Azure SQL Database options of CREATE DATABASE (sqlglot does not know MAXSIZE units)
    (re.compile(r" \((?:EDITION = '\w+'(?:, )?)?(?:SERVICE_OBJECTIVE = '\w+'(?:, )?)?(?:MAXSIZE = \d+ [MG]B)?\)$"), ""),
]
FIXED = {"SET TRANSACTION ISOLATION LEVEL SNAPSHOT"}
# Whole statements sqlglot cannot read at all (not even as a Command): checked by their exact form instead.
WHOLE_FORMS = [re.compile(rf"^DROP COLUMN (?:MASTER|ENCRYPTION) KEY {NAME}$")]


def parse_tsql(sql):
    """The sqlglot expression of a statement; raises ParseError when it does not parse."""
    if sql in FIXED or any(form.match(sql) for form in WHOLE_FORMS):
        return None
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    try:
        return sqlglot.parse_one(sql, read="tsql")
    except ParseError:
        reduced = sql
        for gap, replacement in KNOWN_GAPS:
            reduced = gap.sub(replacement, reduced)
        if reduced == sql:
            raise
        return sqlglot.parse_one(reduced, read="tsql")


def assert_all_parse(statements, verbatim=()):
    """Parse each statement (skipping the package's own module texts); fail listing every one that does not."""
    verbatim = set(verbatim)
    failures = []
    for sql in statements:
        if sql in verbatim or sql.startswith("<bulk copy"):
            continue
        try:
            parse_tsql(sql)
        except ParseError as error:
            failures.append(f"{sql[:300]}\n    -> {str(error).splitlines()[0]}")
    assert not failures, "statements that do not parse as T-SQL:\n" + "\n".join(failures)
