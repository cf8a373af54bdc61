"""What crosses the worker boundary: a typed request in, a typed outcome out.

The CLI builds an ExportRequest or ImportRequest; the operation record stores it (as JSON, no
secrets); the worker reads it back with request_from_record(), which refuses a field it does not
know rather than dropping it, and calls the pipeline with exactly the request's arguments. The
worker's result is an Outcome whose error kind (errors.ErrorKind) the CLI maps to an az error class.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar, Optional

from ..errors import ErrorKind, InvalidInputError


@dataclass(frozen=True)
class _Request:
    """Fields shared by export and import. admin_user, auth_type and network_isolation are recorded
    for the output shapes (the cmdlets' fields); the engine gets what it needs in engine_options."""
    tables: Optional[list] = None
    exclude_tables: Optional[list] = None
    storage_key_type: Optional[str] = None
    engine_options: dict = field(default_factory=dict)
    admin_user: Optional[str] = None
    auth_type: Optional[str] = None
    network_isolation: Optional[dict] = None

    request_type: ClassVar[str] = ""

    def as_record(self) -> dict:
        """The JSON-ready form stored in the operation record."""
        return dataclasses.asdict(self)

    def pipeline_arguments(self) -> dict:
        """Keyword arguments of the pipeline function, besides server, database, storage URI,
        secrets and the progress and cancel callbacks."""
        return {"tables": self.tables, "exclude_tables": self.exclude_tables,
                "storage_key_type": self.storage_key_type, "engine_options": dict(self.engine_options)}


@dataclass(frozen=True)
class ExportRequest(_Request):
    overwrite: bool = False

    request_type: ClassVar[str] = "Export"

    def pipeline_arguments(self) -> dict:
        return dict(super().pipeline_arguments(), overwrite=self.overwrite)


@dataclass(frozen=True)
class ImportRequest(_Request):
    max_uncompressed_size: Optional[int] = None
    # Recorded as the cmdlet's fields; a SQL Server engine gets them in engine_options.
    edition: Optional[str] = None
    service_objective: Optional[str] = None
    max_size_bytes: Optional[int] = None

    request_type: ClassVar[str] = "Import"

    def pipeline_arguments(self) -> dict:
        return dict(super().pipeline_arguments(), max_uncompressed_size=self.max_uncompressed_size)


REQUEST_TYPES = {cls.request_type: cls for cls in (ExportRequest, ImportRequest)}


def request_from_record(request_type: str, data: dict) -> _Request:
    """The request stored in a record. A field this version does not know is an error, not a silent drop."""
    cls = REQUEST_TYPES.get(request_type)
    if cls is None:
        raise InvalidInputError(f"unknown request type {request_type!r}")
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data or {}) - known)
    if unknown:
        raise InvalidInputError(f"the {request_type.lower()} request holds unknown field(s) {', '.join(unknown)}: "
                                f"it was made by another version of the extension")
    return cls(**(data or {}))


@dataclass(frozen=True)
class Outcome:
    """How a worker's run ended: Succeeded (with the pipeline's summary), Failed or Cancelled."""
    state: str
    error_kind: Optional[ErrorKind] = None
    message: Optional[str] = None
    summary: Optional[Any] = None

    def record_fields(self) -> dict:
        """The operation record's fields for this outcome (error_type holds the kind's value)."""
        if self.state == "Succeeded":
            return {"state": self.state, "percent": 100.0, "summary": self.summary}
        return {"state": self.state, "error_message": self.message,
                "error_type": self.error_kind.value if self.error_kind is not None else None}
