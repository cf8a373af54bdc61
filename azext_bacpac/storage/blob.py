"""BACPACs in Azure Blob Storage, streamed: no local copy, bounded memory.

* `open_blob_writer()` (export): a write-only, non-seekable stream. Bytes are cut into blocks that
  are staged as they arrive, a few at a time on worker threads; `commit()` commits the block list
  (only then does the blob exist, and, unless overwriting, only if no blob of that name appeared
  meanwhile); `abort()` or leaving a `with` block without `commit()` leaves nothing visible (staged
  blocks are never committed and the service drops them after 7 days).
* `open_blob_reader()` (import): a seekable, buffered stream over ranged GETs, so zipfile reads
  the central directory at the end and then only the members it needs. Read-ahead grows while
  reads are sequential, so streaming a big table costs a few large GETs, not one per small read.
* URIs: `https://<account>.blob.core.windows.net/<container>/<path>/<name>.bacpac` and path-style
  endpoints such as Azurite's `http://127.0.0.1:10000/<account>/<container>/<name>` (the account
  is the first path segment when the host is an IP address or localhost).
* Credentials follow --storage-key-type (the cmdlets' StorageKeyType): StorageAccessKey (account
  key), SharedAccessKey (SAS token, with or without '?', or in the URI's query), ManagedIdentity
  (the user-assigned identity's resource ID, or its client ID; nothing for the system identity).

Errors are azext_bacpac.errors classes with one-line messages that never hold a key or a SAS
signature (see blob_errors.py). azure.storage.blob is imported inside functions only: az's start-up
time matters and most commands never touch blob storage.
"""
import base64
import concurrent.futures
import io
import ipaddress
import re
import threading
import uuid
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

from ..errors import ConflictError, InvalidInputError
from .base import Location
from .blob_errors import WRITE_PERMISSION_HINT, ErrorContext, SasToken, StorageError, error_code, scrub, translate
from .registry import register

__all__ = ["KEY_TYPES", "BlobLocation", "BlobWriter", "BlobRawReader", "StorageError", "is_blob_uri",
           "parse_blob_uri", "check_blob_name", "service_name_problems", "normalize_key_type", "credential_for", "open_blob_writer",
           "open_blob_reader", "managed_identity_credential",
           "MsalManagedIdentityCredential", "BlobFile"]

KEY_TYPES = ("StorageAccessKey", "SharedAccessKey", "ManagedIdentity")
STORAGE_SCOPE = "https://storage.azure.com/.default"

MiB = 1 << 20
DEFAULT_BLOCK_SIZE = 8 * MiB      # first 10,000 blocks; then 16, 32, 64, 128 MiB (50,000 blocks ~ 2.4 TiB)
BLOCKS_PER_SIZE_STEP = 10_000
MAX_BLOCK_SIZE_DOUBLINGS = 4
MAX_BLOCKS = 50_000               # the service's limit of committed blocks per blob
DEFAULT_IN_FLIGHT = 4             # blocks being staged at once (memory: in flight + 1 filling)
DEFAULT_READ_BUFFER = 4 * MiB
FIRST_READ_WINDOW = 64 * 1024     # first GET after a seek; doubles while reads stay sequential
MAX_GET = 16 * MiB                # largest single ranged GET
_THREAD_PREFIX = "bacpac-blob-stage"

BLOB_NAME_MAX = 1024              # Azure Blob Storage: 1 to 1,024 characters
SERVICE_NAME_MAX = 128            # the Import/Export service: "under 128 characters"
SERVICE_NAME_FORBIDDEN = ' <>*%&:\\?'
_CONTAINER_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$")
_SPECIAL_CONTAINERS = ("$root", "$web", "$logs")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_MI_RESOURCE_ID = re.compile(
    r"^/subscriptions/[^/]+/resourcegroups/[^/]+/providers/microsoft\.managedidentity/"
    r"userassignedidentities/[^/]+/?$", re.IGNORECASE)
URI_EXAMPLE = "https://<account>.blob.core.windows.net/<container>/<name>.bacpac"


# ---- URIs ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BlobLocation:
    """Where a blob lives. `str()` and `url` never include the query string (where a SAS lives)."""
    scheme: str
    endpoint: str             # account URL: https://acct.blob.core.windows.net or http://127.0.0.1:10000/acct
    account: str
    container: str
    blob: str                 # full blob name (virtual folders included), unquoted
    path_style: bool = False
    query: str = field(default="", repr=False)     # the URI's query string (a SAS token, if any)

    @property
    def url(self):
        return f"{self.endpoint}/{quote(self.container)}/{quote(self.blob, safe='/~')}"

    @property
    def name(self):
        """The last segment of the blob name: the BACPAC's file name."""
        return self.blob.rsplit("/", 1)[-1]

    @property
    def sas(self):
        """The URI's query string when it is a SAS token (it has a sig= field), else None."""
        if self.query and SasToken(self.query).has_signature:
            return self.query
        return None

    def __str__(self):
        return self.url


def is_blob_uri(uri):
    """True for an http(s) URL with a host: a blob endpoint (anything else is a local path)."""
    if not isinstance(uri, str):
        return False
    try:
        parts = urlsplit(uri.strip())
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


def _is_path_style(host):
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def parse_blob_uri(uri, check_name=False):
    """A BlobLocation from a blob URL; InvalidInputError when it does not name a container and blob.

    With `check_name`, the BACPAC file name (the last path segment) must also follow the service's
    rule (check_blob_name): exports check it, imports read whatever exists.
    """
    text = (uri or "").strip() if isinstance(uri, str) else ""
    try:
        parts = urlsplit(text)
        host = parts.hostname
        port = parts.port
    except ValueError as error:
        raise InvalidInputError(f"--storage-uri is not a valid URL ({error}); expected {URI_EXAMPLE}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host:
        raise InvalidInputError(f"--storage-uri is not a blob URL; expected {URI_EXAMPLE}")
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    segments = parts.path.split("/")[1:] if parts.path.startswith("/") else parts.path.split("/")
    path_style = _is_path_style(host)
    if path_style:
        if not segments or not segments[0]:
            raise InvalidInputError(
                f"--storage-uri: on {netloc} the account must be the first path segment, as in "
                f"{scheme}://{netloc}/devstoreaccount1/<container>/<name>.bacpac")
        account = unquote(segments[0])
        endpoint = f"{scheme}://{netloc}/{segments[0]}"
        rest = segments[1:]
    else:
        account = host.split(".", 1)[0]
        if account.endswith("-secondary"):
            account = account[:-len("-secondary")]
        endpoint = f"{scheme}://{netloc}"
        rest = segments
    if not rest or not rest[0]:
        raise InvalidInputError(f"--storage-uri names no container and no blob; expected {URI_EXAMPLE}")
    if len(rest) == 1:                       # a blob in the root container: https://acct.../name.bacpac
        container, blob = "$root", unquote(rest[0])
    else:
        container, blob = unquote(rest[0]), unquote("/".join(rest[1:]))
    if not blob or blob.endswith("/"):
        raise InvalidInputError(f"--storage-uri names a container but no blob (the BACPAC's name); "
                                f"expected {URI_EXAMPLE}")
    _check_container_name(container)
    location = BlobLocation(scheme, endpoint, account, container, blob, path_style, parts.query)
    if check_name:
        check_blob_name(location.name)
    return location


def _check_container_name(name):
    if name in _SPECIAL_CONTAINERS or _CONTAINER_NAME.match(name):
        return
    raise InvalidInputError(
        f"container name '{name[:70]}' is not valid: it must be 3 to 63 characters of lower-case letters, "
        f"digits and single hyphens, starting and ending with a letter or a digit")


def _shown(name):
    return name if len(name) <= 60 else name[:57] + "..."


def check_blob_name(name):
    """Azure Blob Storage's own rules for the BACPAC's name (StorageUri's last segment): every name the
    storage accepts is accepted (the Import/Export service's stricter rule is only a warning, below)."""
    if not name:
        raise InvalidInputError("the BACPAC's blob name (the last segment of --storage-uri) is empty")
    if len(name) > BLOB_NAME_MAX:
        raise InvalidInputError(f"the BACPAC's blob name '{_shown(name)}' is {len(name)} characters long; "
                                f"Azure Blob Storage takes at most {BLOB_NAME_MAX}")
    if name.endswith("."):
        raise InvalidInputError(f"the BACPAC's blob name '{_shown(name)}' ends with '.'; Azure Blob Storage "
                                f"drops a trailing dot, so it must not end with one")


def service_name_problems(name):
    """Why the Import/Export service (az sql db import, New-AzSqlDatabaseImport) would refuse this name,
    if it would: [] or one sentence."""
    problems = []
    if len(name) >= SERVICE_NAME_MAX:
        problems.append(f"it is {len(name)} characters long (the service takes under {SERVICE_NAME_MAX})")
    bad = [c for c in SERVICE_NAME_FORBIDDEN if c in name]
    if bad:
        problems.append("it contains " + ", ".join("a space" if c == " " else f"'{c}'" for c in bad))
    if not problems:
        return []
    return [f"the Import/Export service (az sql db import, New-AzSqlDatabaseImport) would refuse the blob name "
            f"'{_shown(name)}': {' and '.join(problems)}; this tool writes and reads it"]


# ---- credentials -----------------------------------------------------------------------------

def normalize_key_type(key_type):
    """The canonical StorageKeyType spelling (case-insensitive), or None when not given."""
    if key_type is None:
        return None
    text = str(getattr(key_type, "value", key_type)).strip()
    if not text:
        return None
    for known in KEY_TYPES:
        if text.lower() == known.lower():
            return known
    raise InvalidInputError(f"--storage-key-type '{text}' is not one of {', '.join(KEY_TYPES)}")


def credential_for(key_type, key, account_name=None):
    """The credential azure.storage.blob takes for --storage-key-type / --storage-key.

    StorageAccessKey -> {'account_name', 'account_key'} (the account name is needed to sign);
    SharedAccessKey -> the SAS token without its leading '?';
    ManagedIdentity -> a TokenCredential for the user-assigned identity whose resource ID (or client
    ID) is the key, or for the system-assigned identity when the key is empty;
    no key type -> None (anonymous, or a SAS carried by the URI).
    """
    kind = normalize_key_type(key_type)
    key = (key or "").strip()
    if kind is None:
        if key:
            raise InvalidInputError("--storage-key was given without --storage-key-type "
                                    f"({', '.join(KEY_TYPES)})")
        return None
    if kind == "StorageAccessKey":
        if not key:
            raise InvalidInputError("--storage-key (the storage account key) is required with "
                                    "--storage-key-type StorageAccessKey")
        if "sig=" in key.lower():
            raise InvalidInputError("--storage-key holds a SAS token, not an account key: use "
                                    "--storage-key-type SharedAccessKey")
        try:
            decoded = base64.b64decode(key, validate=True)
        except ValueError:
            decoded = b""
        if not decoded:
            raise InvalidInputError("--storage-key is not a storage account key (base64 text such as key1 "
                                    "or key2 of the account)")
        if not account_name:
            raise InvalidInputError("an account key needs the account name, which --storage-uri must give")
        return {"account_name": account_name, "account_key": key}
    if kind == "SharedAccessKey":
        token = key.lstrip("?")
        if not token:
            raise InvalidInputError("--storage-key (a SAS token) is required with --storage-key-type "
                                    "SharedAccessKey, unless --storage-uri carries it after '?'")
        if not SasToken(token).has_signature:
            raise InvalidInputError("--storage-key is not a SAS token (it has no sig= field); for an account "
                                    "key use --storage-key-type StorageAccessKey")
        return token
    return managed_identity_credential(key)


def managed_identity_credential(identity):
    """A TokenCredential for a managed identity: azure.identity's when installed, else one over MSAL
    (which azure-cli ships). `identity`: a user-assigned identity's resource ID or client ID, or ''."""
    identity = (identity or "").strip()
    if not identity:
        config = {}
    elif _MI_RESOURCE_ID.match(identity):
        config = {"resource_id": identity.rstrip("/")}
    elif _GUID.match(identity):
        config = {"client_id": identity}
    else:
        raise InvalidInputError(
            "with --storage-key-type ManagedIdentity, --storage-key is the resource ID of a user-assigned "
            "managed identity (/subscriptions/<id>/resourceGroups/<group>/providers/"
            "Microsoft.ManagedIdentity/userAssignedIdentities/<name>) or its client ID (a GUID)")
    try:
        from azure.identity import ManagedIdentityCredential
    except ImportError:
        return MsalManagedIdentityCredential(**config)
    if "client_id" in config:
        return ManagedIdentityCredential(client_id=config["client_id"])
    if "resource_id" in config:
        return ManagedIdentityCredential(identity_config={"resource_id": config["resource_id"]})
    return ManagedIdentityCredential()


class MsalManagedIdentityCredential:
    """azure.core TokenCredential over msal.ManagedIdentityClient, for when azure-identity is absent."""

    def __init__(self, client_id=None, resource_id=None):
        self.client_id = client_id
        self.resource_id = resource_id
        self._client = None
        self._lock = threading.Lock()

    def _msal_client(self):
        import msal
        import requests
        if self.client_id or self.resource_id:
            identity = msal.UserAssignedManagedIdentity(client_id=self.client_id, resource_id=self.resource_id)
        else:
            identity = msal.SystemAssignedManagedIdentity()
        return msal.ManagedIdentityClient(identity, http_client=requests.Session())

    def get_token(self, *scopes, **_):
        import time
        from azure.core.credentials import AccessToken
        from azure.core.exceptions import ClientAuthenticationError
        resource = (scopes[0] if scopes else STORAGE_SCOPE)
        if resource.endswith("/.default"):
            resource = resource[:-len("/.default")]
        with self._lock:
            if self._client is None:
                self._client = self._msal_client()
            client = self._client
        try:
            result = client.acquire_token_for_client(resource=resource)
        except Exception as error:  # pylint: disable=broad-except  # msal and requests raise many kinds
            raise ClientAuthenticationError(f"no managed identity token ({type(error).__name__}: "
                                            f"{str(error).splitlines()[0] if str(error) else ''})") from None
        if "access_token" not in result:
            raise ClientAuthenticationError(
                f"no managed identity token: {result.get('error')}: {result.get('error_description', '')}")
        return AccessToken(result["access_token"], int(time.time()) + int(result.get("expires_in", 3600)))

    def close(self):
        pass


class _Auth:
    """The credential to use for one location, and what error messages need to know about it."""

    def __init__(self, location, key_type, key):
        self.kind = normalize_key_type(key_type)
        key = (key or "").strip() if isinstance(key, str) else key
        uri_sas = location.sas
        self.sas = None
        if self.kind is None and uri_sas:
            self.kind = "SharedAccessKey"
            key = uri_sas
        elif self.kind == "SharedAccessKey" and not key and uri_sas:
            key = uri_sas
        self.credential = credential_for(self.kind, key, location.account)
        if self.kind == "SharedAccessKey":
            self.sas = SasToken(self.credential)
        # A managed identity's resource ID is no secret (and names what to fix); keys and SAS tokens are.
        secrets = [key] if isinstance(key, str) and self.kind != "ManagedIdentity" else []
        if location.query:
            secrets.append(location.query)
        self.context = ErrorContext(location, self.kind, self.sas, secrets)

    def check_sas(self, writing):
        """Fail before any request when the SAS token can't work: expired, not yet valid, too few rights."""
        if self.sas is None:
            return
        if self.sas.expired():
            raise StorageError(self.sas.expired_message())
        if self.sas.not_yet_valid():
            raise StorageError(self.sas.not_yet_valid_message())
        where = self.context.where
        if writing and self.sas.allows("cw") is False:
            raise StorageError(f"the SAS token does not allow writing {where} "
                               f"(it grants sp={self.sas.permissions}; an export {WRITE_PERMISSION_HINT})")
        if not writing and self.sas.allows("r") is False:
            raise StorageError(f"the SAS token does not allow reading {where} "
                               f"(it grants sp={self.sas.permissions}; an import needs sp=r)")


def _retry_policy(retries):
    from azure.storage.blob import ExponentialRetry
    # Backoffs of about 4, 6, 10, 18, 34, 66 s: long transfers ride out a network blip or a busy
    # account (503) for ~2 minutes before giving up.
    return ExponentialRetry(initial_backoff=2, increment_base=2, retry_total=6 if retries is None else retries,
                            random_jitter_range=1)


def _blob_client(auth, retries=None):
    from azure.storage.blob import BlobClient
    location = auth.context.location
    if auth.kind == "ManagedIdentity" and location.scheme != "https":
        raise InvalidInputError("--storage-key-type ManagedIdentity needs an https:// --storage-uri "
                                "(tokens are never sent over plain http)")
    from .httplogs import protect
    protect(auth.context.secrets)
    try:
        return BlobClient(location.endpoint, location.container, location.blob, credential=auth.credential,
                          retry_policy=_retry_policy(retries), connection_timeout=20, read_timeout=120)
    except ValueError as error:
        raise InvalidInputError(f"--storage-uri / --storage-key cannot be used: "
                                f"{scrub(error, auth.context.secrets)}") from None


# ---- export: the block-staging writer ---------------------------------------------------------

def open_blob_writer(uri, key_type=None, key=None, overwrite=False, *, block_size=DEFAULT_BLOCK_SIZE,
                     max_in_flight=DEFAULT_IN_FLIGHT, validate_content=True, retries=None):
    """A BlobWriter for a new BACPAC at `uri`. Checks, before any data moves, that the SAS is usable,
    that the container exists, that writing is allowed, and (unless `overwrite`) that no blob of
    that name exists. Call `commit()` after the last write; without it nothing becomes visible."""
    location = parse_blob_uri(uri, check_name=True)
    auth = _Auth(location, key_type, key)
    if auth.credential is None:
        raise InvalidInputError("an export to Azure Blob Storage needs --storage-key-type and --storage-key, "
                                "or a SAS token in --storage-uri after '?'")
    auth.check_sas(writing=True)
    client = _blob_client(auth, retries)
    writer = BlobWriter(client, auth.context, overwrite=overwrite, block_size=block_size,
                        max_in_flight=max_in_flight, validate_content=validate_content)
    try:
        writer._preflight(retries)  # pylint: disable=protected-access
    except BaseException:
        writer.abort()
        raise
    return writer


class BlobWriter(io.RawIOBase):
    """A write-only, non-seekable stream that stages blocks of a block blob as data arrives.

    `commit()` commits the block list: only then does the blob exist. `abort()`, `close()` before
    `commit()`, or leaving a `with` block without `commit()` (with or without an exception) commits
    nothing. At most `max_in_flight` blocks are staged at once, so memory stays under
    (max_in_flight + 1) x block size.
    """

    def __init__(self, client, context, overwrite=False, block_size=DEFAULT_BLOCK_SIZE,
                 max_in_flight=DEFAULT_IN_FLIGHT, validate_content=True):
        super().__init__()
        if block_size < 1 or max_in_flight < 1:
            raise ValueError("block_size and max_in_flight must be positive")
        self._client = client
        self._context = context
        self.location = context.location
        self.overwrite = overwrite
        self._base_block_size = block_size
        self._validate_content = validate_content
        self._nonce = uuid.uuid4().hex[:8]
        self._buffer = bytearray()
        self._block_ids = []
        self._slots = threading.BoundedSemaphore(max_in_flight)
        self._max_in_flight = max_in_flight
        self._pool = None
        self._pending = set()
        self._lock = threading.Lock()
        self._failure = None
        self._aborted = False
        self.committed = False
        self.bytes_written = 0
        self.blocks_staged = 0
        self.properties = None

    # -- io.RawIOBase ---------------------------------------------------------------------------
    def writable(self):
        return True

    def seekable(self):
        return False

    def tell(self):
        return self.bytes_written

    def flush(self):
        """Nothing to do: blocks are staged when full; the last one on commit()."""

    def write(self, data):
        if self.closed or self._aborted:
            raise ValueError("write to an aborted or closed blob writer")
        if self.committed:
            raise ValueError("write to a blob writer after commit()")
        self._raise_failure()
        view = memoryview(data).cast("B")
        size = view.nbytes
        self._buffer += view
        self.bytes_written += size
        while len(self._buffer) >= self._block_size(len(self._block_ids)):
            limit = self._block_size(len(self._block_ids))
            block = bytes(self._buffer[:limit])
            del self._buffer[:limit]
            self._stage_async(block)
        return size

    # -- blocks ---------------------------------------------------------------------------------
    def _block_size(self, index):
        return self._base_block_size << min(index // BLOCKS_PER_SIZE_STEP, MAX_BLOCK_SIZE_DOUBLINGS)

    def _block_id(self, index, tag="-"):
        # Same length for every block of this blob (the service requires it), and a per-writer nonce
        # so that two writers racing on one name never replace each other's staged blocks.
        return base64.b64encode(f"{self._nonce}{tag}{index:08d}".encode("ascii")).decode("ascii")

    def _stage_async(self, block):
        index = len(self._block_ids)
        if index >= MAX_BLOCKS:
            raise StorageError(f"{self._context.where}: the BACPAC is larger than a block blob can hold "
                               f"({MAX_BLOCKS} blocks)")
        block_id = self._block_id(index)
        self._block_ids.append(block_id)
        self._slots.acquire()
        if self._failure is not None or self._aborted:
            self._slots.release()
            self._raise_failure()
            raise ValueError("write to an aborted blob writer")
        if self._pool is None:
            self._pool = concurrent.futures.ThreadPoolExecutor(self._max_in_flight,
                                                               thread_name_prefix=_THREAD_PREFIX)
        try:
            future = self._pool.submit(self._stage, block_id, block)
        except BaseException:
            self._slots.release()
            raise
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._staged)

    def _stage(self, block_id, block):
        if self._aborted:
            return
        self._client.stage_block(block_id, block, length=len(block), validate_content=self._validate_content)

    def _staged(self, future):
        with self._lock:
            self._pending.discard(future)
            if not future.cancelled():
                error = future.exception()
                if error is not None and self._failure is None:
                    self._failure = error
                elif error is None:
                    self.blocks_staged += 1
        self._slots.release()

    def _raise_failure(self):
        if self._failure is not None:
            raise translate(self._failure, self._context, "write") from None

    def _wait_for_staging(self):
        while True:
            with self._lock:
                pending = list(self._pending)
            if not pending:
                return
            concurrent.futures.wait(pending)

    def _preflight(self, retries):
        """Before any data: no blob of that name (unless overwriting), container there, writing allowed."""
        from azure.core.exceptions import AzureError
        quick = {"retry_total": 1 if retries is None else retries}
        if not self.overwrite:
            try:
                self._client.get_blob_properties(**quick)
            except AzureError as error:
                status, code = getattr(error, "status_code", None), error_code(error)
                missing_blob = status == 404 and code != "ContainerNotFound"
                # A write-only SAS can't look; the commit's If-None-Match condition still guards.
                cannot_look = status == 403 and code == "AuthorizationPermissionMismatch"
                if not (missing_blob or cannot_look):
                    raise translate(error, self._context, "check") from None
            else:
                raise ConflictError(f"{self._context.where} already exists")
        try:
            self._client.stage_block(self._block_id(0, "P"), b"\0", length=1, **quick)
        except AzureError as error:
            raise translate(error, self._context, "write") from None

    # -- ending ---------------------------------------------------------------------------------
    def commit(self):
        """Stage what is left, wait for every block, commit the block list; returns the blob's
        properties (etag, last_modified, size). Raises ConflictError, without overwriting, when a
        blob of that name appeared while writing and overwrite was not asked for."""
        from azure.core import MatchConditions
        from azure.core.exceptions import AzureError
        from azure.storage.blob import ContentSettings
        if self.committed:
            return self.properties
        if self.closed or self._aborted:
            raise ValueError("commit() of an aborted or closed blob writer")
        try:
            if self._buffer:
                block = bytes(self._buffer)
                self._buffer.clear()
                self._stage_async(block)
            self._wait_for_staging()
            self._raise_failure()
            conditions = {} if self.overwrite else {"match_condition": MatchConditions.IfMissing}  # If-None-Match: *
            try:
                result = self._client.commit_block_list(
                    self._block_ids, content_settings=ContentSettings(content_type="application/octet-stream"),
                    **conditions)
            except AzureError as error:
                raise translate(error, self._context, "commit") from None
        except BaseException:
            self.abort()
            raise
        self.committed = True
        self.properties = {"etag": result.get("etag"), "last_modified": result.get("last_modified"),
                           "size": self.bytes_written, "blocks": len(self._block_ids), "url": self.location.url}
        self._shutdown()
        return self.properties

    def abort(self):
        """Give up: nothing is committed, so no blob appears (and an existing one stays as it was).
        Staged blocks stay uncommitted; the service discards them after 7 days. Never raises."""
        if self.committed:
            return
        self._aborted = True
        self._buffer = bytearray()
        self._shutdown()

    def _shutdown(self):
        pool, self._pool = self._pool, None
        if pool is not None:
            # From one of the pool's own threads (the last reference dropped there), joining would deadlock.
            own_thread = threading.current_thread().name.startswith(_THREAD_PREFIX)
            pool.shutdown(wait=not own_thread, cancel_futures=True)
        try:
            self._client.close()
        except Exception:  # pylint: disable=broad-except  # closing a transport must not mask the real error
            pass

    def close(self):
        """Abort unless committed, then close. (close() never commits: commit() is explicit.)"""
        if not self.closed:
            if not self.committed:
                self.abort()
        super().close()

    def __exit__(self, *_):
        self.close()


# ---- import: the ranged-GET reader ------------------------------------------------------------

def open_blob_reader(uri, key_type=None, key=None, *, buffer_size=DEFAULT_READ_BUFFER, retries=None):
    """A seekable buffered reader (io.BufferedReader over a BlobRawReader) of the blob at `uri`.
    Raises NotFoundError for a missing container or blob, StorageError when access is refused."""
    from azure.core.exceptions import AzureError
    location = parse_blob_uri(uri)
    auth = _Auth(location, key_type, key)
    auth.check_sas(writing=False)
    client = _blob_client(auth, retries)
    try:
        properties = client.get_blob_properties(retry_total=1 if retries is None else retries)
    except AzureError as error:
        client.close()
        raise translate(error, auth.context, "read") from None
    except BaseException:
        client.close()
        raise
    raw = BlobRawReader(client, auth.context, properties.size, properties.etag, max_get=max(buffer_size, MAX_GET))
    return io.BufferedReader(raw, buffer_size=buffer_size)


class BlobRawReader(io.RawIOBase):
    """Random access to a blob by ranged GETs, pinned to the ETag seen at open (a blob replaced
    mid-read fails instead of mixing two versions). Each read is one GET of up to the window size;
    the window starts small after a seek and doubles while reads stay sequential.

    `requests` and `bytes_downloaded` count what crossed the network.
    """

    def __init__(self, client, context, size, etag, first_window=FIRST_READ_WINDOW, max_get=MAX_GET):
        super().__init__()
        self._client = client
        self._context = context
        self.location = context.location
        self.name = context.location.url
        self.size = size
        self.etag = etag
        self._pos = 0
        self._next_sequential = None
        self._first_window = first_window
        self._window = first_window
        self._max_get = max_get
        self.requests = 0
        self.bytes_downloaded = 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self._pos

    def seek(self, offset, whence=io.SEEK_SET):
        if self.closed:
            raise ValueError("seek on a closed blob reader")
        if whence == io.SEEK_SET:
            position = offset
        elif whence == io.SEEK_CUR:
            position = self._pos + offset
        elif whence == io.SEEK_END:
            position = self.size + offset
        else:
            raise ValueError(f"invalid whence ({whence})")
        if position < 0:
            raise OSError(22, "negative seek position")
        self._pos = position
        return position

    def readinto(self, buffer):
        if self.closed:
            raise ValueError("read from a closed blob reader")
        view = memoryview(buffer).cast("B")
        remaining = self.size - self._pos
        if remaining <= 0 or not view.nbytes:
            return 0
        if self._pos == self._next_sequential:
            self._window = min(self._window * 2, self._max_get)
        else:
            self._window = self._first_window
        length = min(view.nbytes, remaining, max(self._window, 1))
        data = self._get(self._pos, length)
        view[:len(data)] = data
        self._pos += len(data)
        self._next_sequential = self._pos
        return len(data)

    def readall(self):
        """The rest of the blob, in GETs of up to max_get bytes (io.RawIOBase's would do 8 KiB GETs)."""
        if self.closed:
            raise ValueError("read from a closed blob reader")
        chunks = []
        while self._pos < self.size:
            data = self._get(self._pos, min(self._max_get, self.size - self._pos))
            chunks.append(data)
            self._pos += len(data)
        self._next_sequential = self._pos
        return b"".join(chunks)

    def _get(self, offset, length):
        from azure.core import MatchConditions
        from azure.core.exceptions import AzureError
        try:
            data = self._client.download_blob(offset=offset, length=length, etag=self.etag,
                                              match_condition=MatchConditions.IfNotModified,
                                              max_concurrency=1).readall()
        except AzureError as error:
            raise translate(error, self._context, "read") from None
        self.requests += 1
        self.bytes_downloaded += len(data)
        if not data:
            raise StorageError(f"{self._context.where} ended at byte {offset} although it has {self.size}; "
                               f"it changed while it was being read")
        return data

    def close(self):
        if not self.closed:
            try:
                self._client.close()
            except Exception:  # pylint: disable=broad-except
                pass
        super().close()


# ---- a storage location with the interface of storage.local.LocalFile --------------------------

@register
class BlobFile(Location):
    """A BACPAC in Azure Blob Storage, used as the pipelines use storage.local.LocalFile:
    `check_writable(overwrite)` before any data moves, `with writer(overwrite) as output:` ...
    `output.file` (the stream) ... `output.commit()`, `open_read()`, `size()`.

    `uri`, `path` and `str()` are the blob's URL without its query string, so a SAS token never
    reaches a summary, a log or an operation record through them.
    """

    name = "blob"

    @classmethod
    def claims(cls, storage_uri):
        return is_blob_uri(storage_uri)

    def __init__(self, storage_uri, storage_key_type=None, storage_key=None, **options):
        self._uri = storage_uri
        self._key_type = storage_key_type
        self._key = storage_key
        self._options = options           # block_size, max_in_flight, retries, ... (tests, benchmarks)
        self.location = parse_blob_uri(storage_uri)
        self.uri = self.path = self.location.url
        self._size = None
        self._prepared = None             # (overwrite, BlobWriter) opened by check_writable()

    def __str__(self):
        return self.location.url

    def open_read(self):
        reader = open_blob_reader(self._uri, self._key_type, self._key,
                                  **{k: v for k, v in self._options.items() if k in ("buffer_size", "retries")})
        self._size = reader.raw.size
        return reader

    def size(self):
        """The blob's size in bytes (after a commit or a read), else asked of the service; None if unknown."""
        if self._size is None:
            try:
                with self.open_read():
                    pass
            except BaseException:  # pylint: disable=broad-except  # a size is informational only
                return None
        return self._size

    def check_writable(self, overwrite=False):
        """Fail early, before any data moves: bad credentials, no such container, no right to write,
        an existing blob (unless overwrite). The writer opened here is the one writer() returns."""
        self._discard_prepared()
        self._prepared = (overwrite, self._open_writer(overwrite))

    def writer(self, overwrite=False):
        if self._prepared is not None and self._prepared[0] == overwrite:
            writer, self._prepared = self._prepared[1], None
        else:
            self._discard_prepared()
            writer = self._open_writer(overwrite)
        return _BlobOutput(self, writer)

    def _open_writer(self, overwrite):
        options = {k: v for k, v in self._options.items()
                   if k in ("block_size", "max_in_flight", "validate_content", "retries")}
        return open_blob_writer(self._uri, self._key_type, self._key, overwrite, **options)

    def _discard_prepared(self):
        if self._prepared is not None:
            self._prepared[1].abort()
            self._prepared = None


class _BlobOutput:
    """What BlobFile.writer() returns: `.file` to write to, `.commit()`; leaving without commit aborts."""

    def __init__(self, location, writer):
        self._location = location
        self.file = writer
        self.committed = False

    def __enter__(self):
        return self

    def commit(self):
        properties = self.file.commit()
        self._location._size = properties["size"]  # pylint: disable=protected-access
        self.committed = True
        return properties

    def discard(self):
        self.file.abort()

    def __exit__(self, *_):
        self.file.close()
