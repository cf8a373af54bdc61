"""Bulk copy of tables with Always Encrypted columns: ciphertext goes in as it came out.

The server refuses an INSERT of varbinary into an encrypted column. What it accepts is a bulk load
(TDS BULK LOAD) that says "these values are already encrypted", from a user with
ALLOW_ENCRYPTED_VALUE_MODIFICATIONS = ON. This is what SqlPackage does with SqlBulkCopy's
AllowEncryptedValueModifications; with ODBC it is the driver's bulk copy API (bcp_init, bcp_bind,
bcp_sendrow, bcp_done) with the BCPMODIFYENCRYPTED option, on a connection that has
SQL_COPT_SS_BCP set before connecting and ColumnEncryption=Disabled.

pyodbc does not expose that API, so this module calls Microsoft's ODBC driver library directly
with ctypes (as mssql-python does): its own connection, same connection string and sign-in as the
rest of the import. The import target turns ALLOW_ENCRYPTED_VALUE_MODIFICATIONS on for the
importing user for the data phase and back off afterwards (that needs ALTER ANY USER, which the
owner of the database has).

Values: ciphertext and binary columns are sent as varbinary; every other column as Unicode text
in ODBC canonical form (the server converts, exactly, to the column's type): dates and times cut
to the column's scale, legacy datetime to 3 digits (bcp's conversion to datetime takes no more).
Columns are bound once with cbData = 0 and no indicator or terminator, and each row sets its
length with bcp_collen: "bcp_bind" documents SQL_VARLEN_DATA without an indicator or a
terminator as an error for character and binary data. KEEPIDENTITY,
KEEPNULLS and the TABLOCK hint are set. The driver library is located from the Driver in use (the
mssql-python wheel's path, or odbcinst.ini / the Windows DLL for an installed driver).

Status: the ctypes layer is exercised here only up to the connection (this machine has no SQL
Server); the bulk load itself is covered by tests/engines/sqlserver/test_live.py when a server is
configured.
"""
import configparser
import ctypes
import datetime
import decimal
import os
import platform
import uuid

from ...errors import EngineError
from ...format.values import SqlVariant
from .errors import connection_error, statement_error
from .values import canonical_datetime, canonical_time, legacy_datetime

SQL_HANDLE_ENV, SQL_HANDLE_DBC = 1, 2
SQL_ATTR_ODBC_VERSION, SQL_OV_ODBC3 = 200, 3
SQL_ATTR_LOGIN_TIMEOUT = 103
SQL_IS_POINTER, SQL_IS_UINTEGER, SQL_IS_INTEGER = -4, -5, -6
SQL_NTS = -3
SQL_DRIVER_NOPROMPT = 0
SQL_COPT_SS_BCP, SQL_BCP_ON = 1219, 1
SQL_COPT_SS_ACCESS_TOKEN = 1256
DB_IN, SUCCEED = 1, 1
BCPKEEPNULLS, BCPABORT, BCPKEEPIDENTITY, BCPHINTSW = 5, 6, 8, 11
BCPMODIFYENCRYPTED = 21          # msodbcsql.h (ODBC Driver 17+): insert ciphertext as it is
SQL_NULL_DATA = -1
SQLNCHAR, SQLBIGVARBINARY = 0xEF, 0xA5
BINARY_TYPES = {"binary", "varbinary", "image", "rowversion", "timestamp", "geography", "geometry", "hierarchyid"}
BATCH_ROWS = 10_000
_BCP_FUNCTIONS = ("bcp_initW", "bcp_bind", "bcp_colptr", "bcp_collen", "bcp_control", "bcp_sendrow", "bcp_batch",
                  "bcp_done")


def driver_library(driver):
    """The path (or DLL name) of the driver library behind a Driver, or None."""
    if os.path.isfile(driver.name):
        return driver.name
    if platform.system() == "Windows":
        return "msodbcsql18.dll" if driver.kind == "msodbcsql18" else "msodbcsql17.dll"
    for folder in filter(None, (os.environ.get("ODBCSYSINI"), "/etc", "/usr/local/etc", "/opt/homebrew/etc")):
        path = os.path.join(folder, "odbcinst.ini")
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, OSError, UnicodeDecodeError):
            continue
        if parser.has_section(driver.name) and parser.get(driver.name, "Driver", fallback=None):
            return parser.get(driver.name, "Driver")
    return None


def _load(settings):
    driver = settings.driver
    if not driver.is_microsoft:
        raise EngineError(f"the ODBC driver in use ({driver.description}) has no bulk copy API; use Microsoft ODBC "
                          f"Driver 18 (pip install mssql-python)")
    path = driver_library(driver)
    if path is None:
        raise EngineError(f"the library of {driver.description} could not be located for bulk copy")
    try:
        lib = (ctypes.WinDLL if platform.system() == "Windows" else ctypes.CDLL)(path)
    except OSError as error:
        raise EngineError(f"the ODBC driver library {path} could not be loaded for bulk copy ({error})") from None
    missing = [name for name in _BCP_FUNCTIONS if not hasattr(lib, name)]
    if missing:
        raise EngineError(f"the ODBC driver library {path} lacks the bulk copy functions {', '.join(missing)}")
    _declare(lib)
    return lib


def bulk_copy_unavailable(settings):
    """None when ciphertext can be bulk-copied with this driver, else why not (one phrase)."""
    if getattr(settings, "bulk_copy_factory", None) is not None:
        return None
    try:
        _load(settings)
    except EngineError as error:
        return str(error)
    return None


def _declare(lib):
    c_void_p, c_short, c_int = ctypes.c_void_p, ctypes.c_short, ctypes.c_int
    signatures = {
        "SQLAllocHandle": ([c_short, c_void_p, ctypes.POINTER(c_void_p)], c_short),
        "SQLSetEnvAttr": ([c_void_p, c_int, c_void_p, c_int], c_short),
        "SQLSetConnectAttrW": ([c_void_p, c_int, c_void_p, c_int], c_short),
        "SQLDriverConnectW": ([c_void_p, c_void_p, c_void_p, c_short, c_void_p, c_short, ctypes.POINTER(c_short),
                               ctypes.c_ushort], c_short),
        "SQLGetDiagRecW": ([c_short, c_void_p, c_short, c_void_p, ctypes.POINTER(c_int), c_void_p, c_short,
                            ctypes.POINTER(c_short)], c_short),
        "SQLDisconnect": ([c_void_p], c_short),
        "SQLFreeHandle": ([c_short, c_void_p], c_short),
        "bcp_initW": ([c_void_p, c_void_p, c_void_p, c_void_p, c_int], c_int),
        "bcp_bind": ([c_void_p, c_void_p, c_int, c_int, c_void_p, c_int, c_int, c_int], c_int),
        "bcp_colptr": ([c_void_p, c_void_p, c_int], c_int),
        "bcp_collen": ([c_void_p, c_int, c_int], c_int),
        "bcp_control": ([c_void_p, c_int, c_void_p], c_int),
        "bcp_sendrow": ([c_void_p], c_int),
        "bcp_batch": ([c_void_p], c_int),
        "bcp_done": ([c_void_p], c_int),
    }
    for name, (args, result) in signatures.items():
        function = getattr(lib, name)
        function.argtypes, function.restype = args, result


def _wide(text):
    return ctypes.create_string_buffer(text.encode("utf-16-le") + b"\x00\x00")


# ---- values ---------------------------------------------------------------------------------------

def _text_of(value):
    if isinstance(value, SqlVariant):
        value = value.value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, datetime.datetime):
        return canonical_datetime(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return canonical_time(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return str(value)


def _text_encoder(sql_type):
    """value -> UTF-16 text for one column: dates and times at the column's own scale."""
    name = sql_type.name
    scale = sql_type.scale or 0               # the model leaves a scale of 0 out (SqlType: None is 0)
    if name in ("datetime2", "datetimeoffset"):
        return lambda value: canonical_datetime(value, scale).encode("utf-16-le")
    if name == "time":
        return lambda value: canonical_time(value, scale).encode("utf-16-le")
    if name == "datetime":
        return lambda value: canonical_datetime(legacy_datetime(value), 3).encode("utf-16-le")
    if name == "smalldatetime":
        return lambda value: canonical_datetime(value, 0).encode("utf-16-le")
    return lambda value: _text_of(value).encode("utf-16-le")


def column_encoders(plan):
    """(bcp type token, value -> bytes) for each inserted value of a table plan."""
    encoders = []
    for index in plan.insert_columns:
        column = plan.layout[index]
        if column.encrypted or column.sql_type.name in BINARY_TYPES:
            encoders.append((SQLBIGVARBINARY, bytes))
        else:
            encoders.append((SQLNCHAR, _text_encoder(column.sql_type)))
    return encoders


# ---- the loader ---------------------------------------------------------------------------------------

class BulkCopyLoader:
    """Loads one table by ODBC bulk copy with BCPMODIFYENCRYPTED, on its own connection."""

    def __init__(self, settings, database, plan, session=None, batch_rows=BATCH_ROWS):
        factory = getattr(settings, "bulk_copy_factory", None)
        self.plan = plan
        self.rows = 0
        self.batch_rows = batch_rows
        self.secrets = settings.secrets
        self.encoders = column_encoders(plan)
        self._since_batch = 0
        self._done = False
        if factory is not None:                      # tests: a stand-in for the driver's bulk copy API
            self.api = factory(settings, database, plan)
        else:
            self.api = _OdbcBulkCopy(_load(settings), settings, database, plan)
        self.api.start(plan.full_name, [(ordinal, token) for ordinal, (token, _) in
                                        zip(plan.column_ordinals, self.encoders)])

    def insert(self, rows):
        keep, encoders = self.plan.insert_columns, self.encoders
        for row in rows:
            values = []
            for index, (_, encode) in zip(keep, encoders):
                value = row[index]
                values.append(None if value is None else encode(value))
            self.api.send_row(values)
            self.rows += 1
            self._since_batch += 1
            if self._since_batch >= self.batch_rows:
                self.api.batch()
                self._since_batch = 0

    def close(self):
        if not self._done:
            self._done = True
            try:
                self.api.done()
            finally:
                self.api.close()

    def abort(self):
        if not self._done:
            self._done = True
            try:
                self.api.abort()
            finally:
                self.api.close()


class _OdbcBulkCopy:
    """The driver's bcp_* functions on a dedicated connection (ctypes)."""

    def __init__(self, lib, settings, database, plan):
        self.lib = lib
        self.settings = settings
        self.database = database
        self.env = ctypes.c_void_p()
        self.dbc = ctypes.c_void_p()
        self._buffers = []
        self._dummy = ctypes.create_string_buffer(1)
        self._connect()

    def _check(self, result, subject):
        if result in (0, 1):                            # SQL_SUCCESS, SQL_SUCCESS_WITH_INFO
            return
        raise statement_error(_OdbcError(*self._diagnostics()), subject=subject, secrets=self.settings.secrets)

    def _diagnostics(self):
        state = ctypes.create_string_buffer(12)
        native = ctypes.c_int()
        message = ctypes.create_string_buffer(2048)
        length = ctypes.c_short()
        texts, sqlstate = [], "HY000"
        for record in range(1, 6):
            result = self.lib.SQLGetDiagRecW(SQL_HANDLE_DBC, self.dbc, record, state, ctypes.byref(native), message,
                                             1024, ctypes.byref(length))
            if result not in (0, 1):
                break
            if record == 1:
                sqlstate = state.raw[:10].decode("utf-16-le", "replace")
            text = message.raw[:2 * max(0, min(length.value, 1023))].decode("utf-16-le", "replace")
            texts.append(f"[{state.raw[:10].decode('utf-16-le', 'replace')}] {text} ({native.value})")
        return sqlstate, "; ".join(texts) or "the ODBC driver reported an error without a message"

    def _connect(self):
        lib = self.lib
        if lib.SQLAllocHandle(SQL_HANDLE_ENV, None, ctypes.byref(self.env)) not in (0, 1):
            raise EngineError("the ODBC driver could not allocate an environment for bulk copy")
        lib.SQLSetEnvAttr(self.env, SQL_ATTR_ODBC_VERSION, ctypes.c_void_p(SQL_OV_ODBC3), SQL_IS_INTEGER)
        if lib.SQLAllocHandle(SQL_HANDLE_DBC, self.env, ctypes.byref(self.dbc)) not in (0, 1):
            raise EngineError("the ODBC driver could not allocate a connection for bulk copy")
        self._check(lib.SQLSetConnectAttrW(self.dbc, SQL_COPT_SS_BCP, ctypes.c_void_p(SQL_BCP_ON), SQL_IS_INTEGER),
                    "enabling bulk copy")
        lib.SQLSetConnectAttrW(self.dbc, SQL_ATTR_LOGIN_TIMEOUT,
                               ctypes.c_void_p(int(self.settings.options.login_timeout or 30)), SQL_IS_UINTEGER)
        text, attrs = self.settings.connection_string(self.database)
        token = attrs.get(SQL_COPT_SS_ACCESS_TOKEN)
        if token is not None:
            self._token = ctypes.create_string_buffer(token, len(token))
            self._check(lib.SQLSetConnectAttrW(self.dbc, SQL_COPT_SS_ACCESS_TOKEN, self._token, SQL_IS_POINTER),
                        "passing the access token")
        wide = _wide(text)
        out = ctypes.c_short()
        result = lib.SQLDriverConnectW(self.dbc, None, wide, SQL_NTS, None, 0, ctypes.byref(out), SQL_DRIVER_NOPROMPT)
        ctypes.memset(wide, 0, len(wide))
        text = None
        if result not in (0, 1):
            error = _OdbcError(*self._diagnostics())
            self.close()
            raise connection_error(error, server=str(self.settings.address), database=self.database,
                                   login=self.settings.user, auth=self.settings.auth, secrets=self.settings.secrets,
                                   login_timeout=self.settings.options.login_timeout,
                                   resource_group=self.settings.options.resource_group,
                                   port=self.settings.address.port or 1433)

    def start(self, table, columns):
        lib = self.lib
        if lib.bcp_initW(self.dbc, _wide(table), None, None, DB_IN) != SUCCEED:
            self._fail(f"starting the bulk copy into {table}")
        for option, value in ((BCPKEEPIDENTITY, ctypes.c_void_p(1)), (BCPKEEPNULLS, ctypes.c_void_p(1)),
                              (BCPMODIFYENCRYPTED, ctypes.c_void_p(1))):
            if lib.bcp_control(self.dbc, option, value) != SUCCEED:
                self._fail(f"bulk copy into {table}: option {option} (the driver may be too old for Always Encrypted "
                           f"bulk copy; use ODBC Driver 18)")
        self._hint = _wide("TABLOCK")
        lib.bcp_control(self.dbc, BCPHINTSW, ctypes.cast(self._hint, ctypes.c_void_p))
        self.columns = columns
        for ordinal, token in columns:
            # cbIndicator 0, cbData 0, no terminator: the length of each value is set per row by bcp_collen
            if lib.bcp_bind(self.dbc, ctypes.cast(self._dummy, ctypes.c_void_p), 0, 0, None, 0, token,
                            ordinal) != SUCCEED:
                self._fail(f"bulk copy into {table}: binding column {ordinal}")
        self.table = table

    def _fail(self, subject):
        raise statement_error(_OdbcError(*self._diagnostics()), subject=subject, secrets=self.settings.secrets)

    def send_row(self, values):
        lib = self.lib
        buffers = []
        for (ordinal, _), value in zip(self.columns, values):
            if value is None:
                lib.bcp_collen(self.dbc, SQL_NULL_DATA, ordinal)
                continue
            buffer = ctypes.create_string_buffer(value, max(len(value), 1))
            buffers.append(buffer)
            lib.bcp_colptr(self.dbc, ctypes.cast(buffer, ctypes.c_void_p), ordinal)
            lib.bcp_collen(self.dbc, len(value), ordinal)
        if lib.bcp_sendrow(self.dbc) != SUCCEED:
            self._fail(f"bulk copy into {self.table}: a row was refused")

    def batch(self):
        if self.lib.bcp_batch(self.dbc) < 0:
            self._fail(f"bulk copy into {self.table}: committing a batch")

    def done(self):
        if self.lib.bcp_done(self.dbc) < 0:
            self._fail(f"bulk copy into {self.table}: finishing")

    def abort(self):
        try:
            self.lib.bcp_control(self.dbc, BCPABORT, None)
            self.lib.bcp_done(self.dbc)
        except Exception:   # noqa: BLE001 - being undone anyway
            pass

    def close(self):
        if self.dbc:
            self.lib.SQLDisconnect(self.dbc)
            self.lib.SQLFreeHandle(SQL_HANDLE_DBC, self.dbc)
            self.dbc = ctypes.c_void_p()
        if self.env:
            self.lib.SQLFreeHandle(SQL_HANDLE_ENV, self.env)
            self.env = ctypes.c_void_p()


class _OdbcError(Exception):
    """An ODBC diagnostic in pyodbc's shape: args = (sqlstate, message)."""

    def __init__(self, sqlstate, message):
        super().__init__(sqlstate, message)


__all__ = ["BulkCopyLoader", "bulk_copy_unavailable", "driver_library", "column_encoders", "BCPMODIFYENCRYPTED"]
