"""Azure Blob Storage failures as one-line domain errors that never carry a secret.

azure.core / azure.storage.blob raise their own exceptions, whose text may hold the request URL
(with a SAS signature), request ids and XML bodies. Everything that leaves azext_bacpac.storage.blob
goes through `translate()` here: a NotFoundError, ConflictError, InvalidInputError or StorageError
whose message names the account, container and blob, says what to do, and is scrubbed.

No azure import at module level: azure.core is imported inside the functions that need it.
"""
import datetime
import re
from urllib.parse import parse_qs

from ..errors import BacpacError, ConflictError, NotFoundError, StorageError
from ..redaction import scrub as mask

__all__ = ["StorageError", "SasToken", "ErrorContext", "error_code", "scrub", "translate", "WRITE_PERMISSION_HINT"]

WRITE_PERMISSION_HINT = "needs sp=cw (create, write), and r as well to check for an existing blob"
MAX_DETAIL = 240


def scrub(text, secrets=()):
    """`text` on one line, with every secret and credential masked (redaction.scrub)."""
    return mask(" ".join(str(text).split()), secrets)


class SasToken:
    """The parts of a SAS token that explain a refusal: permissions, start and expiry."""

    def __init__(self, token):
        self.token = token.lstrip("?")
        fields = parse_qs(self.token, keep_blank_values=True)
        self.fields = {k.lower(): v[-1] for k, v in fields.items()}
        self.permissions = self.fields.get("sp")          # None: a stored access policy (si=) decides
        self.expiry_text = self.fields.get("se")
        self.start_text = self.fields.get("st")
        self.expiry = _parse_time(self.expiry_text)
        self.start = _parse_time(self.start_text)

    @property
    def has_signature(self):
        return bool(self.fields.get("sig"))

    def expired(self, now=None):
        now = now or datetime.datetime.now(datetime.timezone.utc)
        return self.expiry is not None and self.expiry <= now

    def not_yet_valid(self, now=None):
        now = now or datetime.datetime.now(datetime.timezone.utc)
        return self.start is not None and self.start > now

    def allows(self, letters):
        """True/False when sp= says, None when the token has no sp= (a stored access policy decides)."""
        if self.permissions is None:
            return None
        return any(letter in self.permissions for letter in letters)

    def expired_message(self):
        return (f"the SAS token expired at {_show_time(self.expiry, self.expiry_text)} (its se= field); "
                f"create a new SAS token with a later expiry")

    def not_yet_valid_message(self):
        return (f"the SAS token is not valid before {_show_time(self.start, self.start_text)} (its st= field); "
                f"wait, or create a SAS token that starts earlier")


def _parse_time(text):
    if not text:
        return None
    value = text.strip()
    try:
        if len(value) == 10:                               # a date alone: midnight UTC
            parsed = datetime.datetime.strptime(value, "%Y-%m-%d")
        else:
            parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed.astimezone(datetime.timezone.utc)


def _show_time(parsed, text):
    if parsed is None:
        return text
    return parsed.strftime("%Y-%m-%dT%H:%M:%SZ")


class ErrorContext:
    """What an error message needs to know about the request: where, with what credential."""

    def __init__(self, location, auth_kind, sas=None, secrets=()):
        self.location = location          # blob.BlobLocation
        self.auth_kind = auth_kind        # 'StorageAccessKey', 'SharedAccessKey', 'ManagedIdentity' or None
        self.sas = sas                    # SasToken or None
        self.secrets = tuple(s for s in secrets if s)

    @property
    def where(self):
        loc = self.location
        return f"blob '{loc.blob}' in container '{loc.container}' of account '{loc.account}'"


def error_code(exc):
    """The service's error code (x-ms-error-code) of an azure exception, or ''."""
    code = getattr(exc, "error_code", None)
    if code is None:
        response = getattr(exc, "response", None)
        headers = getattr(response, "headers", None) or {}
        code = headers.get("x-ms-error-code")
    return str(getattr(code, "value", code)) if code is not None else ""


def _detail(exc, secrets):
    reason = getattr(exc, "reason", None)
    text = reason if reason and reason != "None" else (str(exc).splitlines() or [""])[0]
    text = scrub(text, secrets).replace("Operation returned an invalid status ", "").strip("'\" ")
    return text[:MAX_DETAIL] or type(exc).__name__


def translate(exc, context, action):
    """The domain error for an azure.core / azure.storage exception raised while doing `action`.

    `action` is 'read' (import), 'check' (looking for an existing blob before an export), 'write'
    (staging blocks) or 'commit' (committing the block list). Returns the error; the caller raises
    it `from None` so that no SDK text (URLs with SAS tokens) rides along in the traceback chain.
    """
    from azure.core import exceptions as azure_errors

    if isinstance(exc, BacpacError):
        return exc
    secrets = context.secrets
    where = context.where
    loc = context.location
    if isinstance(exc, azure_errors.ServiceRequestError):
        return StorageError(f"cannot reach Azure Blob Storage at {loc.endpoint}: {_network_reason(exc, secrets)}")
    if isinstance(exc, azure_errors.ServiceResponseError):
        return StorageError(f"the connection to {loc.endpoint} was lost while working on {where}: "
                            f"{_network_reason(exc, secrets)}")
    if isinstance(exc, azure_errors.HttpResponseError) and getattr(exc, "status_code", None):
        return _http_error(exc, context, action)
    if isinstance(exc, azure_errors.ClientAuthenticationError):
        # raised by a credential before any request: no managed identity here, no token
        return StorageError(f"no access token for {loc.endpoint} ({context.auth_kind or 'credential'}): "
                            f"{_detail(exc, secrets)}")
    if isinstance(exc, azure_errors.AzureError):
        return StorageError(f"Azure Blob Storage failed on {where}: {_detail(exc, secrets)}")
    return StorageError(f"Azure Blob Storage failed on {where}: {type(exc).__name__}: {_detail(exc, secrets)}")


def _network_reason(exc, secrets):
    text = str(exc)
    lowered = text.lower()
    if "connection refused" in lowered:
        return "connection refused (is the endpoint right, and is the service running?)"
    if ("failed to resolve" in lowered or "name or service not known" in lowered
            or "nodename nor servname" in lowered or "temporary failure in name resolution" in lowered
            or "getaddrinfo failed" in lowered):
        return "the host name does not resolve (DNS); check the account name in --storage-uri"
    if "timed out" in lowered or "timeout" in lowered:
        return "the connection timed out (a firewall, a proxy or no route to the host)"
    if "certificate" in lowered or "ssl" in lowered:
        return f"TLS failed: {scrub(text.splitlines()[0] if text else '', secrets)[:MAX_DETAIL]}"
    return _detail(exc, secrets)


def _http_error(exc, context, action):
    status = exc.status_code
    code = error_code(exc)
    loc = context.location
    where = context.where
    detail = _detail(exc, context.secrets)
    if status == 404 and context.auth_kind is None and code not in ("ContainerNotFound", "BlobNotFound"):
        # Without credentials the service answers 404 for what is private as well as for what is missing.
        return NotFoundError(f"{where} was not found, or is not public: give --storage-key-type and "
                             f"--storage-key, or a SAS token in the URI")
    if status == 404 or code in ("ContainerNotFound", "BlobNotFound"):
        if code == "ContainerNotFound" or (not code and action in ("write", "commit")):
            return NotFoundError(f"container '{loc.container}' does not exist in account '{loc.account}'")
        if code == "BlobNotFound" or action in ("read", "check"):
            return NotFoundError(f"blob '{loc.blob}' does not exist in container '{loc.container}' "
                                 f"of account '{loc.account}'")
        return NotFoundError(f"{where} was not found ({code or 'HTTP 404'})")
    lease_codes = ("LeaseIdMissing", "LeaseAlreadyPresent", "LeaseIdMismatchWithBlobOperation")
    if code in ("BlobAlreadyExists", "ConditionNotMet") or (
            status in (409, 412) and action == "commit" and code not in lease_codes):
        if action == "read":
            return StorageError(f"{where} changed while it was being read; run the import again")
        return ConflictError(f"{where} already exists (it was created while the export ran); it was left as "
                             f"it is, nothing was overwritten")
    if code in lease_codes:
        return ConflictError(f"{where} has an active lease; break the lease or choose another name")
    if code == "BlobArchived":
        return StorageError(f"{where} is in the Archive tier; rehydrate it to Hot or Cool first")
    if code == "InvalidBlobOrBlock":
        return StorageError(f"Azure Blob Storage refused a block for {where} ({detail}); the blob may hold "
                            f"uncommitted blocks of another program, which expire within 7 days, or choose "
                            f"another name")
    if status in (401, 403):
        return StorageError(_denied_message(context, code, action))
    if status >= 500:
        return StorageError(f"Azure Blob Storage failed on {where} after retries (HTTP {status} {code}): {detail}")
    return StorageError(f"Azure Blob Storage refused a request on {where} (HTTP {status} {code}): {detail}")


def _denied_message(context, code, action):
    where = context.where
    account = context.location.account
    writing = action in ("write", "commit")
    sas = context.sas
    if sas is not None:
        if sas.expired():
            return sas.expired_message()
        if sas.not_yet_valid():
            return sas.not_yet_valid_message()
        if code == "AuthorizationPermissionMismatch" or code == "AuthorizationResourceTypeMismatch":
            if writing:
                return f"the SAS token does not allow writing {where} ({WRITE_PERMISSION_HINT})"
            return f"the SAS token does not allow reading {where} (needs sp=r)"
        return (f"the SAS token was refused for {where} ({code or 'HTTP 403'}): it was signed with another "
                f"key or for another resource, was altered, or the account's firewall blocks this network")
    if context.auth_kind == "StorageAccessKey":
        return (f"the storage account key was refused by account '{account}' ({code or 'HTTP 403'}): "
                f"use key1 or key2 of that account, or the account's firewall blocks this network")
    if context.auth_kind == "ManagedIdentity":
        role = "Storage Blob Data Contributor" if writing else "Storage Blob Data Reader"
        return (f"the managed identity may not {'write' if writing else 'read'} {where} ({code or 'HTTP 403'}): "
                f"it needs the role '{role}' on the account or container")
    return (f"access to {where} was denied ({code or 'HTTP 403'}): give --storage-key-type and --storage-key, "
            f"or a SAS token in the URI")
