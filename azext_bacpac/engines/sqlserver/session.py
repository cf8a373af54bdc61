"""A connection's statements with the server's errors turned into domain errors, and rows as dicts."""
import logging

from .errors import is_odbc_error, statement_error

logger = logging.getLogger(__name__)


def _names(cursor):
    return [d[0] for d in cursor.description or ()]


class Session:
    """Runs statements on one connection; `log` (a list) collects every SQL text sent, for tests and --debug."""

    def __init__(self, conn, subject, secrets=(), log=None):
        self.conn = conn
        self.subject = subject
        self.secrets = tuple(secrets)
        self.log = log

    def record(self, sql):
        if self.log is not None:
            self.log.append(sql)
        logger.debug("SQL: %s", sql if len(sql) < 2000 else sql[:2000] + " ...")

    def cursor(self):
        return self.conn.cursor()

    def rows(self, sql, params=(), subject=None):
        """[dict] of a query's rows, keyed by column name."""
        self.record(sql)
        cursor = self.conn.cursor()
        try:
            cursor.execute(sql, *params)
            names = _names(cursor)
            return [dict(zip(names, row)) for row in cursor.fetchall()]
        except Exception as error:   # noqa: BLE001 - the driver's errors become domain errors
            raise self.translate(error, subject) from None
        finally:
            _close(cursor)

    def one(self, sql, params=(), subject=None):
        found = self.rows(sql, params, subject)
        return found[0] if found else None

    def execute(self, sql, params=(), subject=None):
        self.record(sql)
        cursor = self.conn.cursor()
        try:
            cursor.execute(sql, *params)
            while _next_set(cursor):
                pass
        except Exception as error:   # noqa: BLE001
            raise self.translate(error, subject) from None
        finally:
            _close(cursor)

    def translate(self, error, subject=None):
        if is_odbc_error(error):
            return statement_error(error, subject=subject or self.subject, secrets=self.secrets)
        return error

    def commit(self):
        try:
            self.conn.commit()
        except Exception as error:   # noqa: BLE001
            raise self.translate(error) from None

    def close(self):
        conn, self.conn = self.conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:   # noqa: BLE001 - closing a broken connection must not hide the real error
                pass


def _next_set(cursor):
    """Advance to the next result of a batch; an error raised by a later statement surfaces here."""
    nextset = getattr(cursor, "nextset", None)
    return bool(nextset()) if nextset else False


def _close(cursor):
    try:
        cursor.close()
    except Exception:   # noqa: BLE001
        pass


__all__ = ["Session"]
