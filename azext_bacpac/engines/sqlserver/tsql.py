"""Small T-SQL text helpers: quoting, literals, and finding where a module's body starts.

A view, procedure, function or trigger is stored (sys.sql_modules.definition) as one CREATE text.
model.xml splits it, as DacFx does, into a header (everything up to and including the AS that
starts the body; for an inline table-valued function up to RETURN) and the body. split_module finds
that AS with a tokenizer that knows comments, strings, quoted names and parentheses, and skips the
AS of `@param AS type` and of `EXECUTE AS`.
"""
import re

from ...format.model import quote

_WORD = re.compile(r"[A-Za-z_@#$][A-Za-z0-9_@#$]*")


def ident(name):
    """One bracket-quoted identifier."""
    return quote(name)


def quoted_name(name):
    """A package's multipart name ('[dbo].[T]', 'dbo.T') re-quoted part by part: whatever the package
    wrote, it reaches SQL as bracket-quoted identifiers only."""
    from ...errors import InvalidInputError
    from ...format.model import split_name
    parts = split_name(name or "")
    if not parts or len(parts) > 4 or any(not part for part in parts):
        raise InvalidInputError(f"the package names an object {name!r}, which is not a name")
    return ".".join(ident(part) for part in parts)


def nstring(text):
    """An N'...' literal."""
    return "N'" + str(text).replace("'", "''") + "'"


def string(text):
    return "'" + str(text).replace("'", "''") + "'"


def tokens(text):
    """(kind, start, end) for each token: word, quoted, string, comment, space, punct."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n\f\v":
            j = i
            while j < n and text[j] in " \t\r\n\f\v":
                j += 1
            yield "space", i, j
            i = j
        elif text.startswith("--", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            yield "comment", i, j
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            yield "comment", i, j
            i = j
        elif c == "'" or (c in "Nn" and text[i + 1:i + 2] == "'"):
            j = i + (2 if c != "'" else 1)
            while j < n:
                if text[j] == "'":
                    if text[j + 1:j + 2] == "'":
                        j += 2
                        continue
                    j += 1
                    break
                j += 1
            yield "string", i, j
            i = j
        elif c in "[\"":
            close = "]" if c == "[" else '"'
            j = i + 1
            while j < n:
                if text[j] == close:
                    if text[j + 1:j + 2] == close:
                        j += 2
                        continue
                    j += 1
                    break
                j += 1
            yield "quoted", i, j
            i = j
        else:
            match = _WORD.match(text, i)
            if match:
                yield "word", i, match.end()
                i = match.end()
            else:
                yield "punct", i, i + 1
                i += 1


def split_module(definition, element_type=None):
    """(header, body) of a module's CREATE text; (None, definition) when no body start is found."""
    depth = 0
    previous = None          # previous significant token text (upper case)
    seen_create = False
    found = None
    for kind, start, end in tokens(definition):
        if kind in ("space", "comment"):
            continue
        value = definition[start:end]
        upper = value.upper()
        if kind == "punct":
            if value == "(":
                depth += 1
            elif value == ")":
                depth = max(0, depth - 1)
        elif kind == "word":
            if upper in ("CREATE", "ALTER") and not seen_create:
                seen_create = True
            elif upper == "AS" and seen_create and depth == 0 and previous not in ("EXECUTE", "EXEC") \
                    and not (previous or "").startswith("@"):
                found = end
                break
        previous = upper
    if found is None:
        return None, definition
    if element_type == "SqlInlineTableValuedFunction":
        for kind, start, end in tokens(definition[found:]):
            if kind in ("space", "comment"):
                continue
            if kind == "word" and definition[found + start:found + end].upper() == "RETURN":
                found = found + end
            break
    return definition[:found], definition[found:]


def batches(script):
    """A script split on GO lines (for module texts a package may hold with several batches)."""
    parts, current = [], []
    for line in script.splitlines(keepends=True):
        if re.fullmatch(r"\s*GO\s*(?:--.*)?\r?\n?", line, flags=re.IGNORECASE):
            parts.append("".join(current))
            current = []
        else:
            current.append(line)
    parts.append("".join(current))
    return [p for p in parts if p.strip()]


__all__ = ["ident", "nstring", "string", "tokens", "split_module", "batches", "quote"]
