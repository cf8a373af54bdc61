"""Output shapes of an operation record: az's camelCase, and the Az PowerShell models exactly.

Each function returns a plain dict in the order the model declares its properties (az sorts keys
in JSON output anyway; the cmdlet bridge keeps the order). Secrets are never in a record, and the
cmdlet shapes print them blank as the cmdlets do.
"""
import datetime

from .link import make_link
from .status import status, status_message

RESOURCE_TYPE = "azext_bacpac/importExportOperationResults"
OPERATION_NAMES = {"Export": "ExportDatabase", "Import": "ImportDatabase"}
FRIENDLY_NAMES = {"Export": "EXPORT DATABASE", "Import": "IMPORT DATABASE"}


def iso(moment):
    if moment is None:
        return None
    return datetime.datetime.fromtimestamp(moment, datetime.timezone.utc).isoformat()


def dotnet(moment):
    """A UTC time the way .NET prints a DateTime in en-US: 4/15/2016 10:16:14 PM."""
    if moment is None:
        return None
    value = datetime.datetime.fromtimestamp(moment, datetime.timezone.utc)
    hour = value.hour % 12 or 12
    return f"{value.month}/{value.day}/{value.year} {hour}:{value.minute:02d}:{value.second:02d} " \
           f"{'AM' if value.hour < 12 else 'PM'}"


def link_of(record):
    return make_link(record.server, record.database, record.id)


def az_record(record):
    """Superset of `az sql db export`'s ImportExportOperationResult, plus link, state and percent."""
    link = link_of(record)
    return {
        "blobUri": record.storage_uri,
        "databaseName": record.database,
        "errorMessage": record.error_message,
        "id": link,
        "lastModifiedTime": iso(record.last_modified_time),
        "name": record.id,
        "privateEndpointConnections": [],
        "queuedTime": iso(record.queued_time),
        "requestId": record.id,
        "requestType": record.request_type,
        "resourceGroup": record.resource_group,
        "serverName": record.server,
        "status": status_message(record),
        "type": RESOURCE_TYPE,
        "operationStatusLink": link,
        "state": status(record),
        "percentComplete": round(record.percent, 2),
        "progress": {
            "currentTable": record.current_table, "tablesDone": record.tables_done,
            "tablesTotal": record.tables_total, "rows": record.rows_done, "bytes": record.bytes_done,
            "bytesTotal": record.bytes_total,
        },
        "startTime": iso(record.start_time),
        "finishTime": iso(record.finish_time),
        "summary": record.summary,
    }


def cmdlet_base(record, submitted=True):
    """AzureSqlDatabaseImportExportBaseModel: what New-AzSqlDatabaseExport/Import return."""
    parameters = record.parameters or {}
    return {
        "ResourceGroupName": record.resource_group,
        "ServerName": record.server,
        "DatabaseName": record.database,
        "StorageKeyType": parameters.get("storage_key_type"),
        "StorageKey": None,
        "StorageUri": record.storage_uri,
        "AdministratorLogin": parameters.get("admin_user"),
        "AdministratorLoginPassword": None,
        "AuthenticationType": parameters.get("auth_type") or "None",
        "OperationStatusLink": link_of(record),
        "Status": "InProgress" if submitted and record.state != "Failed" else status(record),
        "ErrorMessage": record.error_message,
    }


def cmdlet_status(record):
    """AzureSqlDatabaseImportExportStatusModel: what Get-AzSqlDatabaseImportExportStatus returns."""
    return {
        "OperationStatusLink": link_of(record),
        "ErrorMessage": record.error_message,
        "LastModifiedTime": dotnet(record.last_modified_time),
        "QueuedTime": dotnet(record.queued_time),
        "RequestType": record.request_type,
        "Status": status(record),
        "StatusMessage": status_message(record),
        "PrivateEndpointRequestStatus": [],
    }


def cmdlet_activity(record):
    """AzureSqlDatabaseActivityModel: what Stop-AzSqlDatabaseActivity (and Get-...Activity) return."""
    return {
        "OperationId": record.id,
        "ServerName": record.server,
        "DatabaseName": record.database,
        "State": record.state,
        "Operation": OPERATION_NAMES.get(record.request_type, record.request_type),
        "ErrorCode": 0 if record.state == "Failed" else None,
        "ErrorMessage": record.error_message,
        "ErrorSeverity": 16 if record.state == "Failed" else None,
        "StartTime": iso(record.start_time or record.queued_time),
        "EndTime": iso(record.finish_time),
        "PercentComplete": int(record.percent),
        "Properties": None,
        "EstimatedCompletionTime": None,
        "Description": f"{record.request_type} of database '{record.database}'",
        "IsCancellable": record.is_active,
        "OperationPhaseDetails": None,
        "OperationPhaseDetailsDescription": None,
    }


def az_activity(record):
    """Shaped like a DatabaseOperation of `az sql db op list`."""
    return {
        "databaseName": record.database,
        "description": f"{record.request_type} of database '{record.database}'",
        "errorCode": 0 if record.state == "Failed" else None,
        "errorDescription": record.error_message,
        "errorSeverity": 16 if record.state == "Failed" else None,
        "estimatedCompletionTime": None,
        "id": link_of(record),
        "isCancellable": record.is_active,
        "isUserError": None,
        "name": record.id,
        "operation": OPERATION_NAMES.get(record.request_type, record.request_type),
        "operationFriendlyName": FRIENDLY_NAMES.get(record.request_type, record.request_type),
        "percentComplete": int(record.percent),
        "resourceGroup": record.resource_group,
        "serverName": record.server,
        "startTime": iso(record.start_time or record.queued_time),
        "state": record.state,
        "type": "azext_bacpac/operations",
        "operationStatusLink": link_of(record),
    }
