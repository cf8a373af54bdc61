"""Entry points of `az sql db bacpac *`: take the validated arguments, hand them over, shape the result.

Export and import are operations (operations/): a durable record and a detached worker. Without
--no-wait the command follows the worker to its end; with it, the record comes back at once. No
bytes, no SQL and no storage code here (see design.md, "Layers").
"""

from knack.log import get_logger

from azext_bacpac import _operations as ops
from azext_bacpac._arm import resolve_server
from azext_bacpac._errors import translated_errors
from azext_bacpac.redaction import redact, strip_uri
from azext_bacpac.errors import ErrorKind

logger = get_logger(__name__)

_EXPORT_HINTS = {ErrorKind.NOT_A_BACPAC: 'Give --storage-uri a new file name: this file is not a BACPAC.',
                 ErrorKind.CONFLICT: 'To replace the existing BACPAC, add --overwrite.'}


def bacpac_export(cmd, storage_uri, server_name=None, database_name=None, resource_group_name=None,
                  administrator_login=None, administrator_login_password=None, authentication_type=None,
                  storage_key_type=None, storage_key=None, tables=None, exclude_tables=None,
                  overwrite=False, use_network_isolation=None, storage_account_resource_id=None,
                  sql_server_resource_id=None, trust_server_certificate=None, consistency=None,
                  return_at_once=False, output_shape='az'):
    server_name = resolve_server(cmd, server_name, resource_group_name)
    from azext_bacpac.operations.requests import ExportRequest
    request = _request(ExportRequest, administrator_login, authentication_type, storage_key_type,
                       use_network_isolation, storage_account_resource_id, sql_server_resource_id, output_shape,
                       tables=tables, exclude_tables=exclude_tables, overwrite=overwrite,
                       engine_options=_engine_options(cmd, server_name, resource_group_name, administrator_login,
                                                      authentication_type, trust_server_certificate,
                                                      consistency=consistency))
    return ops.submit(cmd, request, server=server_name, database=database_name, storage_uri=storage_uri,
                      resource_group=resource_group_name,
                      secrets=_secrets(administrator_login_password, storage_key),
                      no_wait=return_at_once, output_shape=output_shape, hints=_EXPORT_HINTS)


def bacpac_import(cmd, storage_uri, server_name=None, database_name=None, resource_group_name=None,
                  administrator_login=None, administrator_login_password=None, authentication_type=None,
                  storage_key_type=None, storage_key=None, tables=None, exclude_tables=None,
                  edition=None, service_objective=None, max_size_bytes=None, use_network_isolation=None,
                  storage_account_resource_id=None, sql_server_resource_id=None, trust_server_certificate=None,
                  import_users=None, max_uncompressed_size=None, bookkeeping=None, return_at_once=False,
                  output_shape='az'):
    server_name = resolve_server(cmd, server_name, resource_group_name, edition, service_objective)
    from azext_bacpac.operations.requests import ImportRequest
    request = _request(ImportRequest, administrator_login, authentication_type, storage_key_type,
                       use_network_isolation, storage_account_resource_id, sql_server_resource_id, output_shape,
                       tables=tables, exclude_tables=exclude_tables, edition=edition,
                       service_objective=service_objective, max_size_bytes=max_size_bytes,
                       max_uncompressed_size=max_uncompressed_size,
                       engine_options=_engine_options(cmd, server_name, resource_group_name, administrator_login,
                                                      authentication_type, trust_server_certificate,
                                                      import_users=import_users, edition=edition,
                                                      service_objective=service_objective,
                                                      max_size_bytes=max_size_bytes, bookkeeping=bookkeeping))
    return ops.submit(cmd, request, server=server_name, database=database_name, storage_uri=storage_uri,
                      resource_group=resource_group_name,
                      secrets=_secrets(administrator_login_password, storage_key),
                      no_wait=return_at_once, output_shape=output_shape)


def bacpac_show(cmd, operation_status_link=None, operation_id=None, output_shape='az'):
    operation_id = ops.operation_id_of(operation_status_link, operation_id)
    return ops.shape(ops.get_record(ops.open_store(cmd), operation_id), output_shape, 'record')


def bacpac_list(cmd, server_name=None, database_name=None, resource_group_name=None, active_only=False,
                output_shape='az'):
    del resource_group_name
    from azext_bacpac.operations import runner
    with translated_errors():
        records = runner.list_operations(ops.open_store(cmd), server_name, database_name, active_only)
    return [ops.shape(record, output_shape, 'activity') for record in records]


def bacpac_wait(cmd, operation_status_link=None, operation_id=None, timeout=3600, interval=2.0):
    from azure.cli.core.azclierror import UnclassifiedUserFault
    from azext_bacpac.operations.status import status_message
    operation_id = ops.operation_id_of(operation_status_link, operation_id)
    store = ops.open_store(cmd)
    record = ops.get_record(store, operation_id)
    try:
        final = ops.follow(cmd, store, operation_id, record.request_type, timeout=timeout, interval=interval)
    except TimeoutError as timed_out:
        current = timed_out.args[0]
        ops.exit_with(UnclassifiedUserFault(
            'Timed out after {} s: operation {} is still {} ({}).'.format(
                timeout, operation_id, current.state, status_message(current)),
            'It goes on. Wait longer with --timeout, or stop it with `az sql db bacpac cancel --operation-id {}`.'
            .format(operation_id)), ops.WAIT_TIMEOUT_EXIT_CODE)
    ops.raise_for_failure(final)


def bacpac_cancel(cmd, operation_id, server_name=None, database_name=None, resource_group_name=None,
                  elastic_pool_name=None, output_shape='az', yes=False):
    del resource_group_name, yes     # never prompts: --yes changes nothing
    from azure.cli.core.azclierror import ArgumentUsageError
    from azext_bacpac.operations import runner
    if elastic_pool_name:
        # Stop-AzSqlDatabaseActivity's own words (NotSupportedException)
        raise ArgumentUsageError('Azure Sql Database Elastic Pool name cannot be specified for this operation')
    operation_id = ops.operation_id_of(None, operation_id)
    store = ops.open_store(cmd)
    record = ops.get_record(store, operation_id)
    _check_target(record, server_name, database_name)
    if not record.is_active:
        logger.warning('Operation %s already ended %s: nothing was cancelled.', operation_id, record.state)
    with translated_errors():
        record = runner.cancel(store, operation_id)
    return [ops.shape(record, output_shape, 'activity')]


def _check_target(record, server_name, database_name):
    """--server/--database (or --ids) given to cancel must name the operation's database: compared as
    canonical identities, so `sqlite:///./data` and `sqlite:////abs/data` (or MyServer, myserver) agree."""
    from azure.cli.core.azclierror import InvalidArgumentValueError
    from azext_bacpac.operations.identity import target_identity
    if server_name is None and database_name is None:
        return
    given = target_identity(server_name or record.server, database_name or record.database)
    if given != target_identity(record.server, record.database):
        raise InvalidArgumentValueError("Operation {} belongs to server '{}', database '{}', not {}.".format(
            record.id, record.server, record.database,
            ', '.join("{} '{}'".format(option, value) for option, value in
                      (('--server', server_name), ('--database', database_name)) if value is not None)))


def bacpac_preflight(cmd, server_name, database_name, direction='export', storage_uri=None, storage_key_type=None,
                     storage_key=None, administrator_login=None, administrator_login_password=None,
                     authentication_type=None, trust_server_certificate=None, resource_group_name=None):
    options = _engine_options(cmd, server_name, resource_group_name, administrator_login, authentication_type,
                              trust_server_certificate)
    if options and administrator_login_password:
        options['password'] = administrator_login_password
    with translated_errors((administrator_login_password, storage_key)):
        from azext_bacpac.pipelines.preflight import run_preflight
        checks = run_preflight(server_name, database_name, direction, storage_uri=storage_uri,
                               storage_key_type=storage_key_type, storage_key=storage_key, engine_options=options)
    missing = [c['permission'] for c in checks if c.get('required') and c.get('granted') is not True]
    if missing:
        logger.warning('Missing for this %s: %s. The %s would stop before any data moves.',
                       direction, ', '.join(missing), direction)
    return checks


def bacpac_inspect(cmd, storage_uri, storage_key_type=None, storage_key=None, verify_checksum=True,
                   max_uncompressed_size=None):
    del cmd
    with translated_errors((storage_key,)):
        from azext_bacpac import pipelines
        options = {} if max_uncompressed_size is None else {'max_uncompressed_size': max_uncompressed_size}
        result = pipelines.inspect_package(storage_uri, verify_checksum=verify_checksum,
                                           storage_key_type=storage_key_type, storage_key=storage_key, **options)
    if ((result or {}).get('checksum') or {}).get('verified') is False:
        from azure.cli.core.azclierror import FileOperationError
        raise FileOperationError(
            '{}: model.xml does not match the checksum in Origin.xml: the package was altered or damaged, and '
            'import refuses it.'.format(strip_uri(storage_uri)),
            'To look inside it anyway, add --verify-checksum false.')
    return redact(result)


def _request(request_class, admin_user, auth_type, storage_key_type, use_network_isolation,
             storage_account_resource_id, sql_server_resource_id, output_shape, **fields):
    """The typed request (operations/requests.py): what the worker passes on, and what the output
    shapes show. No secrets."""
    from azext_bacpac._isolation import validate_network_isolation
    # the cmdlet's own wording (-UseNetworkIsolation ...) for the PowerShell bridge's users
    isolation = validate_network_isolation(use_network_isolation, storage_account_resource_id,
                                           sql_server_resource_id, style=output_shape)
    return request_class(storage_key_type=storage_key_type, admin_user=admin_user, auth_type=auth_type,
                         network_isolation=isolation, **fields)


def _engine_options(cmd, server, resource_group, admin_user, auth_type, trust_server_certificate, **options):
    """The options the engine that answers `server` takes (engines/base.py, Engine.options), from
    what the command was given. No secrets: the worker adds the password it receives on stdin."""
    from azext_bacpac.engines import engine_class
    if options.get('bookkeeping') is not False:
        options.pop('bookkeeping', None)     # the engines' default: keep the bookkeeping tables
    suffix = getattr(getattr(cmd.cli_ctx.cloud, 'suffixes', None), 'sql_server_hostname', None)
    options.update(user=admin_user, auth_type=auth_type, trust_server_certificate=trust_server_certificate,
                   resource_group=resource_group, server_suffix=suffix)
    with translated_errors():
        accepted = engine_class(server).options
    return {key: value for key, value in options.items() if value is not None and key in accepted}


def _secrets(admin_password, storage_key):
    return {'admin_password': admin_password, 'storage_key': storage_key}
