"""Keeping secrets out of messages, records, logs and output: one module, one policy.

The policy: a secret is replaced by MASK ("***"), never silently blanked, so a reader sees that
something was removed. What counts as a secret:
- every value the command was given as one (--admin-password, --storage-key, a SAS-bearing URI),
  when it is at least MIN_SECRET characters long (masking "a" would mangle text and protect nothing);
- a SAS signature (sig=...), an account key (AccountKey=...), a shared-key signature and a
  connection string's password (PWD=..., Password=...), wherever they appear;
- a URI's query string (where a SAS token lives) and the password in its user-info part.
"""
import re

MASK = "***"
MIN_SECRET = 4

_SAS_SIGNATURE = re.compile(r"(?i)(sig(?:=|%3D))[^&\s'\"<>]+")
_ACCOUNT_KEY = re.compile(r"(?i)(AccountKey=|SharedKey [^:\s]+:)[^;\s'\"]+")
_CONNECTION_PASSWORD = re.compile(r"(?i)\b(PWD|Password)=(\{(?:[^}]|\}\})*\}|[^;]*)")


def secret_values(secrets):
    """The strings to mask, longest first: each secret value of a dict or iterable (and the query
    string of a secret URI on its own, as logs may show it without the URI)."""
    values = set()
    items = secrets.values() if isinstance(secrets, dict) else (secrets or ())
    for value in items:
        if isinstance(value, str) and len(value) >= MIN_SECRET:
            values.add(value)
            values.add(value.lstrip("?"))
            if "?" in value and "://" in value:
                values.add(value.split("?", 1)[1])
    return sorted((v for v in values if len(v) >= MIN_SECRET), key=len, reverse=True)


def scrub(text, secrets=()):
    """`text` with every secret of `secrets` and every recognisable credential masked."""
    return _mask(text, secret_values(secrets))


def _mask(text, values):
    """scrub() with the secret values already worked out (secret_values)."""
    if not isinstance(text, str):
        return text
    for secret in values:
        text = text.replace(secret, MASK)
    text = _SAS_SIGNATURE.sub(r"\1" + MASK, text)
    text = _ACCOUNT_KEY.sub(r"\1" + MASK, text)
    return _CONNECTION_PASSWORD.sub(r"\1=" + MASK, text)


def strip_uri(uri):
    """`uri` without its query string and fragment, and without a password in its user-info part.
    Anything that is not a URI, and everything else of one, is kept exactly as written (no
    normalising: sqlite:///data must stay three slashes)."""
    if not isinstance(uri, str) or "://" not in uri:
        return uri
    uri = uri.split("#", 1)[0].split("?", 1)[0]
    scheme, rest = uri.split("://", 1)
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        userinfo, host = authority.rsplit("@", 1)
        authority = userinfo.split(":", 1)[0] + "@" + host
    return scheme + "://" + authority + slash + path


def redact(value, secrets=()):
    """`value` (strings, and lists and dicts of them) with URIs stripped and secrets masked."""
    return _redact(value, secret_values(secrets))


def _redact(value, values):
    # The secret values are worked out once per call: a summary holds a string per table.
    if isinstance(value, dict):
        return {key: _redact(item, values) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redact(item, values) for item in value]
    if isinstance(value, str):
        if "://" in value and not any(c.isspace() for c in value):
            value = strip_uri(value)            # a URI on its own (a message's URIs are masked by scrub)
        return _mask(value, values)
    return value
