"""The HTTP libraries' own log lines, in the az process, without secrets.

Under `--debug` az shows every DEBUG record. urllib3 logs each request line with its full URL
("GET /account/container/x.bacpac?sv=...&sig=... HTTP/1.1" 206), so a blob read in this process
(`inspect`, `preflight`) would print the SAS signature. A filter on those loggers rewrites each record
before any handler sees it: query strings are cut to '?...' and the command's own secrets (a key, a
password, a token given by @file, @- or the environment) are blanked wherever they appear. Exports
and imports do their I/O in the worker, whose logs are redacted there (operations/worker.py).
"""
import logging
import re

LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.connection",
           "azure.core.pipeline.policies.http_logging_policy", "azure.identity", "msal")
_QUERY = re.compile(r"\?[^\s\"']*")


class _Redacting(logging.Filter):
    def __init__(self):
        super().__init__("azext_bacpac")
        self.secrets = set()

    def filter(self, record):
        try:
            text = record.getMessage()
        except Exception:   # noqa: BLE001 - a record that cannot be formatted is dropped, not shown raw
            return False
        text = _QUERY.sub("?...", text)
        for secret in self.secrets:
            if secret and len(secret) >= 4:
                text = text.replace(secret, "")
        record.msg, record.args = text, ()
        return True


_FILTER = _Redacting()


def redact_http_logs(secrets=()):
    """Install the filter (once) and add this command's secrets to what it blanks."""
    _FILTER.secrets.update(s for s in secrets if isinstance(s, str))
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
