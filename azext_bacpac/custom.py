"""Entry points of `az sql db bacpac *`: take the validated arguments, hand them to the pipelines,
shape the result. No bytes, no SQL and no storage code here (see design.md, "Layers")."""

from knack.log import get_logger

from azext_bacpac._errors import translated_errors
from azext_bacpac._progress import ProgressLine
from azext_bacpac._shapes import finished_operation, new_operation_id, now, redact_summary

logger = get_logger(__name__)

_EXPORT_HINTS = {'ConflictError': 'To replace the existing BACPAC, add --overwrite.'}
_IMPORT_HINTS = {}     # the engine's message already says "import only into a new or empty database"


def bacpac_export(cmd, server_name, database_name, storage_uri, resource_group_name=None,
                  administrator_login=None, administrator_login_password=None, authentication_type=None,
                  storage_key_type=None, storage_key=None, tables=None, exclude_tables=None,
                  overwrite=False):
    request = _Request(cmd, 'Export', server_name, database_name, storage_uri, resource_group_name,
                       administrator_login, administrator_login_password, authentication_type,
                       storage_key_type, storage_key)
    return request.run(_EXPORT_HINTS, 'export_database', server_name, database_name, storage_uri,
                       tables=tables, exclude_tables=exclude_tables, overwrite=overwrite)


def bacpac_import(cmd, server_name, database_name, storage_uri, resource_group_name=None,
                  administrator_login=None, administrator_login_password=None, authentication_type=None,
                  storage_key_type=None, storage_key=None, tables=None, exclude_tables=None,
                  edition=None, service_objective=None, max_size_bytes=None):
    # edition / service objective / max size: validated; not used by the embedded engine.
    del edition, service_objective, max_size_bytes
    request = _Request(cmd, 'Import', server_name, database_name, storage_uri, resource_group_name,
                       administrator_login, administrator_login_password, authentication_type,
                       storage_key_type, storage_key)
    return request.run(_IMPORT_HINTS, 'import_package', storage_uri, server_name, database_name,
                       tables=tables, exclude_tables=exclude_tables)


def bacpac_inspect(cmd, storage_uri, storage_key_type=None, storage_key=None, verify_checksum=True):
    del cmd, storage_key_type
    with translated_errors((storage_key,)):
        from azext_bacpac import pipelines
        result = pipelines.inspect_package(storage_uri, verify_checksum=verify_checksum)
    if ((result or {}).get('checksum') or {}).get('verified') is False:
        logger.warning('model.xml does not match the checksum in Origin.xml: the package was altered or '
                       'damaged, and import refuses it.')
    return redact_summary(result)


class _Request:  # pylint: disable=too-few-public-methods
    """One export or import run in this process: progress on stderr, errors as azclierror,
    the finished operation shaped like a durable operation record."""

    def __init__(self, cmd, request_type, server, database, storage_uri, resource_group,
                 admin_user, admin_password, auth_type, storage_key_type, storage_key):
        self.cmd = cmd
        self.request_type = request_type
        self.server, self.database, self.storage_uri = server, database, storage_uri
        self.resource_group = resource_group
        # Non-secret request parameters (shown by the cmdlet shapes); secrets are kept apart.
        self.parameters = {'storage_key_type': storage_key_type, 'admin_user': admin_user,
                           'auth_type': auth_type}
        self.secrets = (admin_password, storage_key)

    def run(self, hints, function_name, *args, **kwargs):
        operation_id, queued = new_operation_id(), now()
        progress = ProgressLine(self.cmd.cli_ctx, 'Exporting' if self.request_type == 'Export' else 'Importing')
        try:
            with translated_errors(self.secrets, hints):
                from azext_bacpac import pipelines
                function = getattr(pipelines, function_name)
                summary = function(*args, progress=progress, cancel=None, **kwargs)
        finally:
            progress.close()
        for warning in (summary or {}).get('warnings') or []:
            logger.warning('%s', warning)
        return finished_operation(
            self.request_type, operation_id=operation_id, server=self.server, database=self.database,
            storage_uri=self.storage_uri, queued=queued, started=queued, finished=now(), summary=summary,
            resource_group=self.resource_group, parameters=self.parameters)
