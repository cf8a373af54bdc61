"""Validation of `az sql db bacpac` arguments (command-level namespace validators).

Validators only look at the arguments: they never open a database or a file. They raise specific
azclierror classes (exit code 1); a value that cannot even be parsed (a bad enum, a bad --max-size)
is rejected earlier by argparse (exit code 2).
"""

import argparse
import os
import re
from urllib.parse import urlsplit

from knack.log import get_logger

logger = get_logger(__name__)

ADMIN_PASSWORD_ENV = 'AZEXT_BACPAC_ADMIN_PASSWORD'
STORAGE_KEY_ENV = 'AZEXT_BACPAC_STORAGE_KEY'

# Values as `az sql db export` spells them (case-insensitive on input).
AUTH_TYPES = ['SQL', 'ADPassword', 'ManagedIdentity']
STORAGE_KEY_TYPES = ['StorageAccessKey', 'SharedAccessKey', 'ManagedIdentity']
# DatabaseEdition values accepted by New-AzSqlDatabaseImport.
DATABASE_EDITIONS = ['None', 'Basic', 'Standard', 'Premium', 'DataWarehouse', 'Stretch', 'Free',
                     'PremiumRS', 'GeneralPurpose', 'BusinessCritical', 'Hyperscale']

STORAGE_SCHEMES = ('file', 'http', 'https')

# `scheme:rest`; a one-letter scheme is a Windows drive, `name:1.bacpac` (no //) a file name.
_SCHEME_RE = re.compile(r'^([A-Za-z][A-Za-z0-9+.-]*):(.*)$', re.S)


def parse_size(value):
    """`--max-size`: a size in the one grammar of sizes.py (10GB, 500MiB; powers of 1024). argparse type."""
    from azext_bacpac import sizes
    try:
        size = sizes.parse_size(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError('invalid size: {}'.format(error)) from None
    if size <= 0:
        raise argparse.ArgumentTypeError("invalid size '{}': it must be greater than 0".format(value))
    return size


# What people call each kind of --storage-key when they do not use its enum name (lower case, letters only):
# the portal's "Access keys" and Storage's "Shared Key" authorization are the account key; a SAS is a
# shared access *signature* (SharedAccessKey in the cmdlets' enum, close to it in spelling only).
_STORAGE_KEY_ALIASES = {
    'StorageAccessKey': ('accesskey', 'accesskeys', 'storagekey', 'accountkey', 'storageaccountkey', 'key',
                         'sharedkey', 'storageaccesskeys', 'primarykey', 'secondarykey'),
    'SharedAccessKey': ('sas', 'sastoken', 'saskey', 'sasurl', 'sharedaccesssignature', 'token', 'sharedaccesstoken'),
    'ManagedIdentity': ('msi', 'mi', 'identity', 'managed', 'userassignedidentity', 'systemassignedidentity'),
}


def storage_key_type(value):
    """`--storage-key-type`: one of STORAGE_KEY_TYPES in any case (argparse type). Anything else is a usage
    error that suggests the type the user meant: 'AccessKey' is the account key, not a SAS."""
    chosen = next((t for t in STORAGE_KEY_TYPES if t.lower() == (value or '').strip().lower()), None)
    if chosen:
        return chosen
    letters = re.sub(r'[^a-z]', '', (value or '').lower())
    meant = next((t for t, aliases in _STORAGE_KEY_ALIASES.items() if letters in aliases), None)
    if meant is None:
        import difflib
        close = difflib.get_close_matches(letters, [t.lower() for t in STORAGE_KEY_TYPES], n=1, cutoff=0.75)
        meant = next((t for t in STORAGE_KEY_TYPES if close and t.lower() == close[0]), None)
    raise argparse.ArgumentTypeError(
        "invalid value '{}': allowed values are {}.{}".format(
            value, ', '.join(STORAGE_KEY_TYPES), " Did you mean '{}'?".format(meant) if meant else ''))


def is_embedded(server):
    """True when --server names an engine whose databases are local files (the embedded SQLite engine),
    as its engine says (engines/base.py, Capabilities.embedded)."""
    from azext_bacpac.engines import engine_class
    from azext_bacpac.errors import BacpacError
    try:
        return engine_class((server or '').strip()).capabilities.embedded
    except BacpacError:
        return False


def validate_export(cmd, namespace):  # pylint: disable=unused-argument
    _validate_ids(namespace, one=True)
    _validate_database_args(namespace)
    _validate_storage_args(namespace)
    _warn_service_blob_name(namespace.storage_uri)


def validate_import(cmd, namespace):  # pylint: disable=unused-argument
    _validate_ids(namespace, one=True)
    _validate_database_args(namespace)
    _validate_storage_args(namespace)
    _validate_new_database_args(namespace)


def validate_inspect(cmd, namespace):  # pylint: disable=unused-argument
    _validate_storage_args(namespace)


def validate_operation_filter(cmd, namespace):  # pylint: disable=unused-argument
    """list and cancel: -s/-d (or --ids) only narrow down, so any number of --ids is fine."""
    _validate_ids(namespace, one=False)


def validate_preflight(cmd, namespace):  # pylint: disable=unused-argument
    _validate_database_args(namespace)
    if namespace.storage_uri is not None:
        _validate_storage_args(namespace)


# ---------------------------------------------------------------------------------------------

def _validate_ids(ns, one):
    """--ids (added by core where --server and --name have id parts) must name Azure SQL databases.
    Core has already put each ID's server, database and resource group into the namespace."""
    ids = getattr(ns, '_ids', None)
    if not ids:
        return
    from azext_bacpac._ids import check_database_ids
    check_database_ids(ids, one)


def _validate_database_args(ns):
    from azure.cli.core.azclierror import InvalidArgumentValueError, RequiredArgumentMissingError

    missing = [option for attr, option in (('server_name', '--server/-s'), ('database_name', '--name/-n'))
               if getattr(ns, attr, None) is None]
    if missing:
        # Not required by argparse since --ids may give them; still a usage error (exit 2), as argparse's.
        from azext_bacpac._operations import exit_with
        exit_with(RequiredArgumentMissingError(
            'the following arguments are required: {}'.format(', '.join(missing)),
            'Or give --ids with the resource ID of an Azure SQL database.'), 2)
    ns.server_name = (ns.server_name or '').strip()
    if not ns.server_name:
        raise InvalidArgumentValueError('--server/-s must not be empty.',
                                        'Use sqlite:///<folder> for the embedded SQLite engine.')
    if ns.database_name is None or not ns.database_name.strip():
        raise InvalidArgumentValueError('--name/-n must not be empty.')

    from azext_bacpac._errors import translated_errors
    from azext_bacpac.engines import engine_class
    with translated_errors():
        engine = engine_class(ns.server_name)
        engine.check_address(ns.server_name, ns.database_name)      # no connection, no file opened
    signs_in = engine.capabilities.signs_in

    _password_from_env(ns)
    _validate_patterns(ns, 'tables', '--tables')
    _validate_patterns(ns, 'exclude_tables', '--exclude-tables')

    if not signs_in:
        given = [opt for opt, attr in (('--admin-user', 'administrator_login'),
                                       ('--admin-password', 'administrator_login_password'),
                                       ('--auth-type', 'authentication_type'))
                 if getattr(ns, attr, None) is not None]
        if given:
            logger.info('%s: not used by the %s engine; ignored.', ', '.join(given), engine.title)
    elif (ns.administrator_login and ns.authentication_type != 'ManagedIdentity'
          and not ns.administrator_login_password):
        # Without --admin-user the engine signs in with an Entra access token: no password at all.
        raise RequiredArgumentMissingError(
            '--admin-password/-p is required with --admin-user for server {}.'.format(ns.server_name),
            'Pass it without putting it on the command line: --admin-password @<file>, '
            '--admin-password @- (stdin), or the environment variable {}.'.format(ADMIN_PASSWORD_ENV))


def _validate_storage_args(ns):
    from azure.cli.core.azclierror import InvalidArgumentValueError

    uri = (ns.storage_uri or '').strip()
    if not uri:
        raise InvalidArgumentValueError('--storage-uri must not be empty.')
    match = _SCHEME_RE.match(uri)
    scheme = match.group(1).lower() if match and len(match.group(1)) > 1 else ''
    if scheme and scheme not in STORAGE_SCHEMES and match.group(2).startswith('//'):
        raise InvalidArgumentValueError(
            "--storage-uri: unsupported scheme '{}://'.".format(match.group(1)),
            'Use a local path, a file:// URI or an https:// Azure Blob URL.')
    if scheme in ('http', 'https'):
        parts = urlsplit(uri)
        if not parts.netloc or parts.path in ('', '/'):
            raise InvalidArgumentValueError(
                '--storage-uri: a blob URL needs an account host and a container/blob path.',
                'Example: https://<account>.blob.core.windows.net/<container>/<name>.bacpac')
    ns.storage_uri = uri

    if getattr(ns, 'storage_key', None) is None:
        env_key = os.environ.get(STORAGE_KEY_ENV)
        if env_key:
            ns.storage_key = env_key
            logger.info('--storage-key taken from the environment variable %s.', STORAGE_KEY_ENV)
    if scheme not in ('http', 'https'):
        given = [opt for opt, attr in (('--storage-key', 'storage_key'), ('--storage-key-type', 'storage_key_type'))
                 if getattr(ns, attr, None) is not None]
        if given:
            logger.info('%s: not used for local files; ignored.', ', '.join(given))


def _warn_service_blob_name(uri):
    """Warn (never fail) when the Import/Export service could not import this blob later."""
    if urlsplit(uri).scheme.lower() not in ('http', 'https'):
        return
    from azext_bacpac.errors import InvalidInputError
    from azext_bacpac.storage.blob import parse_blob_uri, service_name_problems
    try:
        location = parse_blob_uri(uri)
    except InvalidInputError:
        return          # the export itself says what is wrong
    for problem in service_name_problems(location.name):
        logger.warning('%s.', problem)


def _password_from_env(ns):
    if ns.administrator_login_password is None:
        env_password = os.environ.get(ADMIN_PASSWORD_ENV)
        if env_password:
            ns.administrator_login_password = env_password
            logger.info('--admin-password taken from the environment variable %s.', ADMIN_PASSWORD_ENV)


def _validate_patterns(ns, attr, option):
    from azure.cli.core.azclierror import InvalidArgumentValueError

    values = getattr(ns, attr, None)
    if values is None:
        return
    patterns = [v.strip() for v in values]
    if not patterns or any(not p for p in patterns):
        raise InvalidArgumentValueError('{}: empty table name or pattern.'.format(option))
    setattr(ns, attr, patterns)


def _validate_new_database_args(ns):
    from azext_bacpac._arm import consults_arm
    from azext_bacpac._objectives import check_objective

    if ns.service_objective is not None:
        ns.service_objective = ns.service_objective.strip()
    if not consults_arm(ns.server_name, getattr(ns, 'resource_group_name', None)):
        # With -g and a signed-in az, the region's capabilities decide (custom.py, _arm.py).
        ns.service_objective = check_objective(ns.edition, ns.service_objective)
    if is_embedded(ns.server_name):
        given = [opt for opt, attr in (('--edition', 'edition'), ('--service-objective', 'service_objective'),
                                       ('--max-size', 'max_size_bytes'))
                 if getattr(ns, attr, None) is not None]
        if given:
            logger.warning('%s: not used by the embedded SQLite engine; ignored.', ', '.join(given))
