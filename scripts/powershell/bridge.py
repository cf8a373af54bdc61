"""The PowerShell bridge's one table: the four Az cmdlets, and how each maps onto `az sql db bacpac`.

scripts/powershell/AzSqlBacpac (a PowerShell module) defines New-AzSqlDatabaseExport,
New-AzSqlDatabaseImport, Get-AzSqlDatabaseImportExportStatus and Stop-AzSqlDatabaseActivity with
the cmdlets' parameters, types, positions and pipeline binding (cmdlets-and-az.md §1). Each one
runs `az sql db bacpac ... --output-shape cmdlet --output json` and gives back PSCustomObjects that
carry the cmdlet's output type name and property order.

Everything in the module that can go wrong lives here, in Python, where it is tested:

- CMDLETS: for each cmdlet its az subcommand, its parameters in order (PowerShell type, the
  cmdlet's own .NET type, Mandatory, Position, ValueFromPipelineByPropertyName, the az option,
  how a value converts, whether it is a secret and how a secret travels), its output type name and
  property order (equal to azext_bacpac.operations.shapes, which the tests check);
- build_az_invocation(): the az argument list, the secret for stdin and the secrets for the
  child's environment. Secrets never reach the command line;
- parse_az_error(), EXIT_CODE_ERRORS: az's exit code and "ERROR: <msg>" lines as the terminating
  error PowerShell throws;
- shape_output(), STATUS_OUTCOMES: JSON back to objects in the model's property order, and
  Get-AzSqlDatabaseImportExportStatus throwing on a Failed operation;
- windows_command_line(): the command line when .NET has no ArgumentList (Windows PowerShell 5.1)
  or az is a batch file (az.cmd);
- run_cmdlet(): the whole body of a module function, step for step what the .psm1 does.

scripts/powershell/generate_module.py writes AzSqlBacpac.psm1 and AzSqlBacpac.psd1 from this table;
tests/bridge checks that the committed files equal its output, parses the .psm1 on its own and
compares it with the table, and runs every invocation the module can build through the real az
parser.
"""

import json
import re
import uuid
from collections import OrderedDict, namedtuple
from dataclasses import dataclass, field

from azext_bacpac._validators import STORAGE_KEY_ENV

MODULE_NAME = 'AzSqlBacpac'
MODULE_GUID = '5d0f3a4e-8b1c-4f2a-9c6e-2a7b1e9d4c38'
AZ_PATH_ENV = 'AZSQLBACPAC_AZ'        # the az executable to run (default: `az` from PATH)

# Always on az's command line (plus QUIET or VERBOSE).
OUTPUT_ARGUMENTS = ('--output-shape=cmdlet', '--output=json')
QUIET_ARGUMENTS = ('--only-show-errors',)       # no preview banner on every call of a polling loop
VERBOSE_ARGUMENTS = ('--verbose',)              # -Verbose: az's INFO and WARNING lines are forwarded

# ---------------------------------------------------------------------------------------------
# Enumerations: the PowerShell enum the module declares (same name and members as the cmdlet's
# .NET enum), and the value each member gives az (None: the option is left out).

ENUMS = OrderedDict([
    ('StorageKeyType', {
        'dotnet_type': 'Microsoft.Azure.Commands.Sql.ImportExport.Model.StorageKeyType',
        'values': OrderedDict([('StorageAccessKey', 'StorageAccessKey'),
                               ('SharedAccessKey', 'SharedAccessKey'),
                               ('ManagedIdentity', 'ManagedIdentity')]),
    }),
    ('AuthenticationType', {
        'dotnet_type': 'Microsoft.Azure.Commands.Sql.ImportExport.Model.AuthenticationType',
        'values': OrderedDict([('None', None),                  # the default: az's --auth-type left out
                               ('Sql', 'SQL'),
                               ('AdPassword', 'ADPassword'),
                               ('ManagedIdentity', 'ManagedIdentity')]),
    }),
    ('DatabaseEdition', {
        'dotnet_type': 'Microsoft.Azure.Commands.Sql.Database.Model.DatabaseEdition',
        'values': OrderedDict((name, name) for name in (
            'None', 'Premium', 'Basic', 'Standard', 'DataWarehouse', 'Stretch', 'Free', 'PremiumRS',
            'GeneralPurpose', 'BusinessCritical', 'Hyperscale')),
    }),
])

# PowerShell type (as written in the .psm1's param block) -> how a bound value becomes az text.
#   text    a String, as is
#   uri     a System.Uri: its OriginalString (what the user wrote; relative paths stay relative)
#   enum    the member's name, through ENUMS[type]['values'] (None: leave the option out)
#   bool    true / false (az's three-state flag)
#   int64   decimal digits (DatabaseMaxSizeBytes -> --max-size, which takes bytes)
#   guid    the GUID in its D form, lower case
#   secret  SecureString (decrypted) or String; travels through stdin or the child's environment
#   none    not passed to az (DefaultProfile, bridge switches)
CONVERSIONS = ('text', 'uri', 'enum', 'bool', 'int64', 'guid', 'secret', 'none')


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str                       # the type in the .psm1: String, SecureString, Boolean, Guid, Int64, Uri,
    #                                 Object, Switch, or an ENUMS name
    dotnet_type: str                # the cmdlet's own parameter type
    option: str = None              # the az option it maps to (None: not passed)
    convert: str = 'text'
    mandatory: bool = False
    position: int = None
    by_property_name: bool = False
    secret: str = None              # 'stdin' (`<option>=@-`) or 'env' (env_var, for the child only)
    env_var: str = None
    aliases: tuple = ()
    bridge_only: bool = False       # not a parameter of the Az cmdlet: the bridge's own
    help: str = ''


@dataclass(frozen=True)
class Cmdlet:
    name: str
    subcommand: tuple               # az words
    parameters: tuple
    fixed_arguments: tuple          # always passed, after the mapped parameters
    output_type: str
    shape: str                      # the function of azext_bacpac.operations.shapes it equals
    property_order: tuple
    returns_list: bool = False      # az prints a JSON array (cancel)
    runtime_required: tuple = ()    # optional in the signature, required when the cmdlet runs
    throw_on_failed: bool = False   # a Status of Failed is a terminating error (see STATUS_OUTCOMES)
    should_process: tuple = None    # (target, action) templates with {ParameterName}; None: no ShouldProcess
    #                                 call (the cmdlet still declares SupportsShouldProcess)
    synopsis: str = ''
    parameter_names: tuple = field(init=False, default=())

    def __post_init__(self):
        object.__setattr__(self, 'parameter_names', tuple(p.name for p in self.parameters))

    def parameter(self, name):
        for candidate in self.parameters:
            if candidate.name.lower() == name.lower():
                return candidate
        raise KeyError(name)


_SQL_MODEL = 'Microsoft.Azure.Commands.Sql.ImportExport.Model.'
BASE_MODEL = _SQL_MODEL + 'AzureSqlDatabaseImportExportBaseModel'
STATUS_MODEL = _SQL_MODEL + 'AzureSqlDatabaseImportExportStatusModel'
ACTIVITY_MODEL = 'Microsoft.Azure.Commands.Sql.Database.Model.AzureSqlDatabaseActivityModel'

# Property order of each model (cmdlets-and-az.md §1); equal to the key order of operations/shapes.py.
BASE_PROPERTIES = (
    'ResourceGroupName', 'ServerName', 'DatabaseName', 'StorageKeyType', 'StorageKey', 'StorageUri',
    'AdministratorLogin', 'AdministratorLoginPassword', 'AuthenticationType', 'OperationStatusLink', 'Status',
    'ErrorMessage')
STATUS_PROPERTIES = (
    'OperationStatusLink', 'ErrorMessage', 'LastModifiedTime', 'QueuedTime', 'RequestType', 'Status',
    'StatusMessage', 'PrivateEndpointRequestStatus')
ACTIVITY_PROPERTIES = (
    'OperationId', 'ServerName', 'DatabaseName', 'State', 'Operation', 'ErrorCode', 'ErrorMessage',
    'ErrorSeverity', 'StartTime', 'EndTime', 'PercentComplete', 'Properties', 'EstimatedCompletionTime',
    'Description', 'IsCancellable', 'OperationPhaseDetails', 'OperationPhaseDetailsDescription')

_STRING = 'System.String'
_CONTEXT = 'Microsoft.Azure.Commands.Common.Authentication.Abstractions.Core.IAzureContextContainer'

DEFAULT_PROFILE = Parameter(
    'DefaultProfile', 'Object', _CONTEXT, convert='none',
    aliases=('AzContext', 'AzureRmContext', 'AzureCredential'),
    help='Accepted for parity and ignored: the local engine needs no Azure context.')


def _resource_group():
    return Parameter('ResourceGroupName', 'String', _STRING, '--resource-group', mandatory=True, position=0,
                     by_property_name=True,
                     help='Name of the resource group (accepted for parity; the local engine does not need it).')


def _server():
    return Parameter('ServerName', 'String', _STRING, '--server', mandatory=True, position=1, by_property_name=True,
                     help='The server: sqlite:///<folder> for the embedded SQLite engine, or a SQL Server / '
                          'Azure SQL name.')


def _common_import_export():
    """The parameters of ImportExportCmdletBase after the database's own (§1.0), in declared order."""
    return (
        Parameter('StorageKeyType', 'StorageKeyType', ENUMS['StorageKeyType']['dotnet_type'], '--storage-key-type',
                  convert='enum', mandatory=True,
                  help='Kind of -StorageKey: StorageAccessKey, SharedAccessKey or ManagedIdentity.'),
        Parameter('StorageKey', 'String', _STRING, '--storage-key', convert='secret', mandatory=True,
                  secret='env', env_var=STORAGE_KEY_ENV,
                  help='Storage account key, SAS token or managed identity resource ID. Reaches az through '
                       'the environment of its process only, never its command line.'),
        Parameter('StorageUri', 'Uri', 'System.Uri', '--storage-uri', convert='uri', mandatory=True,
                  help='Where the BACPAC is or goes: a local path, a file:// URI or an Azure Blob URL '
                       '(without a SAS query: give the SAS as -StorageKey).'),
        Parameter('AdministratorLogin', 'String', _STRING, '--admin-user', mandatory=True,
                  help='Login of the server administrator.'),
        Parameter('AdministratorLoginPassword', 'SecureString', 'System.Security.SecureString', '--admin-password',
                  convert='secret', mandatory=True, secret='stdin',
                  help='Password of the login. Reaches az through its standard input, never its command line.'),
        Parameter('AuthenticationType', 'AuthenticationType', ENUMS['AuthenticationType']['dotnet_type'],
                  '--auth-type', convert='enum',
                  help='None (the default: SQL authentication), Sql, AdPassword or ManagedIdentity.'),
    )


def _network_isolation():
    return (
        Parameter('UseNetworkIsolation', 'Boolean', 'System.Boolean', '--use-network-isolation', convert='bool',
                  help='$true: give at least one of the two private-link resource IDs; $false or absent: '
                       'neither.'),
        Parameter('StorageAccountResourceIdForPrivateLink', 'String', _STRING, '--storage-account-resource-id',
                  help='Resource ID of the storage account for a private link.'),
        Parameter('SqlServerResourceIdForPrivateLink', 'String', _STRING, '--sql-server-resource-id',
                  help='Resource ID of the SQL server for a private link.'),
    )


CMDLETS = OrderedDict((c.name, c) for c in (
    Cmdlet(
        name='New-AzSqlDatabaseExport',
        subcommand=('sql', 'db', 'bacpac', 'export'),
        parameters=(
            _resource_group(),
            _server(),
            Parameter('DatabaseName', 'String', _STRING, '--name', mandatory=True, position=2,
                      by_property_name=True, help='Name of the database to export.'),
            *_common_import_export(),
            *_network_isolation(),
            DEFAULT_PROFILE,
        ),
        fixed_arguments=('--no-wait',),
        output_type=BASE_MODEL, shape='cmdlet_base', property_order=BASE_PROPERTIES,
        should_process=("database '{DatabaseName}' on server '{ServerName}'", "Export to '{StorageUri}'"),
        synopsis='Exports a database to a BACPAC with the local engine (az sql db bacpac export); returns at '
                 'once with the request to poll.'),
    Cmdlet(
        name='New-AzSqlDatabaseImport',
        subcommand=('sql', 'db', 'bacpac', 'import'),
        parameters=(
            _resource_group(),
            _server(),
            Parameter('DatabaseName', 'String', _STRING, '--name', mandatory=True,
                      help='Name of the new database.'),
            Parameter('Edition', 'DatabaseEdition', ENUMS['DatabaseEdition']['dotnet_type'], '--edition',
                      convert='enum', mandatory=True, help='Edition of the new database.'),
            Parameter('ServiceObjectiveName', 'String', _STRING, '--service-objective', mandatory=True,
                      help='Service objective of the new database, e.g. S0, P1, GP_Gen5_2.'),
            Parameter('DatabaseMaxSizeBytes', 'Int64', 'System.Int64', '--max-size', convert='int64',
                      mandatory=True, help='Maximum size of the new database, in bytes.'),
            *_common_import_export(),
            *_network_isolation(),
            DEFAULT_PROFILE,
        ),
        fixed_arguments=('--no-wait',),
        output_type=BASE_MODEL, shape='cmdlet_base', property_order=BASE_PROPERTIES,
        should_process=("database '{DatabaseName}' on server '{ServerName}'", "Import from '{StorageUri}'"),
        synopsis='Imports a BACPAC into a new database with the local engine (az sql db bacpac import); '
                 'returns at once with the request to poll.'),
    Cmdlet(
        name='Get-AzSqlDatabaseImportExportStatus',
        subcommand=('sql', 'db', 'bacpac', 'show'),
        parameters=(
            Parameter('OperationStatusLink', 'String', _STRING, '--operation-status-link', mandatory=True,
                      position=0, by_property_name=True,
                      help='The OperationStatusLink of a request from New-AzSqlDatabaseExport/Import.'),
            Parameter('NoThrowOnFailure', 'Switch', 'System.Management.Automation.SwitchParameter',
                      convert='none', bridge_only=True,
                      help='Return the status of a Failed operation instead of throwing its error.'),
            DEFAULT_PROFILE,
        ),
        fixed_arguments=(),
        output_type=STATUS_MODEL, shape='cmdlet_status', property_order=STATUS_PROPERTIES,
        throw_on_failed=True,
        synopsis='Gets the status of an export or import (az sql db bacpac show). Status is InProgress, '
                 'Succeeded or Cancelled; a Failed operation throws its error message.'),
    Cmdlet(
        name='Stop-AzSqlDatabaseActivity',
        subcommand=('sql', 'db', 'bacpac', 'cancel'),
        parameters=(
            _resource_group(),
            _server(),
            Parameter('DatabaseName', 'String', _STRING, '--database', mandatory=True, by_property_name=True,
                      help='Name of the database of the operation.'),
            Parameter('ElasticPoolName', 'String', _STRING, '--elastic-pool', by_property_name=True,
                      help='Not supported (as with the cmdlet): cancelling elastic-pool activity is refused.'),
            Parameter('OperationId', 'Guid', 'System.Nullable[System.Guid]', '--operation-id', convert='guid',
                      by_property_name=True,
                      help='The operation id: the GUID at the end of the OperationStatusLink. Required.'),
            DEFAULT_PROFILE,
        ),
        fixed_arguments=('--yes',),
        output_type=ACTIVITY_MODEL, shape='cmdlet_activity', property_order=ACTIVITY_PROPERTIES,
        returns_list=True, runtime_required=('OperationId',),
        should_process=("operation '{OperationId}' on database '{DatabaseName}'", 'Cancel'),
        synopsis='Cancels an export or import (az sql db bacpac cancel) and returns its activity record.'),
))

# Status of a Get-AzSqlDatabaseImportExportStatus result -> what the cmdlet does with it.
# Failed throws (current Az.Sql throws the service's error message, Azure/azure-powershell#15870).
# Cancelled is returned: the user asked for it (Stop-AzSqlDatabaseActivity), it is not an error of the
# operation, and the canonical loop ends on it (Status is not InProgress) and takes its else branch.
STATUS_OUTCOMES = OrderedDict([('InProgress', 'return'), ('Succeeded', 'return'), ('Cancelled', 'return'),
                               ('Failed', 'throw')])
FAILED_ERROR = {'error_id': 'ImportExportOperationFailed', 'category': 'InvalidResult',
                'exception_type': 'System.InvalidOperationException'}

# az exit code -> the terminating error's ErrorCategory and exception type.
EXIT_CODE_ERRORS = OrderedDict([
    (1, {'error_id': 'AzSqlBacpac.AzError', 'category': 'InvalidOperation',
         'exception_type': 'System.InvalidOperationException'}),
    (2, {'error_id': 'AzSqlBacpac.AzUsageError', 'category': 'InvalidArgument',
         'exception_type': 'System.ArgumentException'}),
    (3, {'error_id': 'AzSqlBacpac.NotFound', 'category': 'ObjectNotFound',
         'exception_type': 'System.Management.Automation.ItemNotFoundException'}),
])
OTHER_EXIT_ERROR = {'error_id': 'AzSqlBacpac.AzFailed', 'category': 'NotSpecified',
                    'exception_type': 'System.Exception'}
ARGUMENT_ERROR = {'error_id': 'AzSqlBacpac.InvalidArgument', 'category': 'InvalidArgument',
                  'exception_type': 'System.ArgumentException'}
# az could not be started (not on PATH, $env:AZSQLBACPAC_AZ wrong).
AZ_NOT_FOUND_ERROR = {'error_id': 'AzSqlBacpac.AzNotFound', 'category': 'ObjectNotFound',
                      'exception_type': 'System.Management.Automation.CommandNotFoundException'}

# Values az would not take literally: a leading '@' makes az read a file (or stdin) instead.
AT_FILE_PREFIX = '@'
# A blob URL with a query string carries a SAS: a secret, which must not go on the command line.
URI_WITH_QUERY = re.compile(r'^(?i:https?)://[^?#]*\?')
# On a batch file (az.cmd), cmd.exe reads the command line first: refuse what it would rewrite.
BATCH_UNSAFE = re.compile(r'["\r\n]|%[^%]+%')


# The bridge's own error messages, as .NET format strings ({0}, {1}): the same text in Python and
# in the module (which reads them from $script:AzSqlBacpacSettings.Messages).
MESSAGES = OrderedDict([
    ('AtFile', "-{0}: a value that starts with '@' cannot be passed on: az reads '@<file>' as the contents of "
               "that file."),
    ('UriQuery', '-{0}: the URL has a query string (a SAS token?), which would show on the command line. Give '
                 'the URL without it, and the SAS as -StorageKey with -StorageKeyType SharedAccessKey.'),
    ('RuntimeRequired', '-{0} is required: {1} needs the id of the operation to act on.'),
    ('BatchUnsafe', "The value '{0}' cannot be passed to a batch file (az.cmd): it holds a double quote, a line "
                    "break or a %NAME% pattern."),
    ('AzNotFound', 'az was not found on PATH. Install the Azure CLI with the bacpac extension, or set '
                   '$env:{0} to the full path of the az executable.'),
    ('OperationFailed', 'The operation failed.'),
    ('AzExited', 'az exited with code {0}.'),
])


class BridgeError(Exception):
    """A terminating error of a bridge function: message, ErrorId, ErrorCategory, exception type."""

    def __init__(self, message, error_id, category, exception_type, recommendation=None, exit_code=None):
        super().__init__(message)
        self.message, self.error_id, self.category = message, error_id, category
        self.exception_type, self.recommendation, self.exit_code = exception_type, recommendation, exit_code


def _argument_error(message):
    return BridgeError(message, **ARGUMENT_ERROR)


AzInvocation = namedtuple('AzInvocation', 'argv stdin_secret env_secrets')


def cmdlet_of(name):
    for candidate in CMDLETS.values():
        if candidate.name.lower() == name.lower():
            return candidate
    raise KeyError(name)


def _enum_member(type_name, value):
    values = ENUMS[type_name]['values']
    for member in values:
        if member.lower() == str(value).lower():
            return member
    raise _argument_error("Cannot convert '{}' to {}: use one of {}.".format(value, type_name, ', '.join(values)))


def convert_value(parameter, value):
    """The az text for a bound value (None: leave the option out). Mirrors the .psm1's switch."""
    kind = parameter.convert
    if kind in ('text', 'uri', 'secret'):
        return str(value)
    if kind == 'enum':
        return ENUMS[parameter.type]['values'][_enum_member(parameter.type, value)]
    if kind == 'bool':
        if not isinstance(value, bool):
            raise _argument_error('-{} takes $true or $false.'.format(parameter.name))
        return 'true' if value else 'false'
    if kind == 'int64':
        if isinstance(value, bool) or not isinstance(value, int) or not -2 ** 63 <= value < 2 ** 63:
            raise _argument_error('-{} takes an Int64.'.format(parameter.name))
        return str(value)
    if kind == 'guid':
        try:
            return str(uuid.UUID(str(value)))
        except ValueError:
            raise _argument_error("Cannot convert '{}' to Guid.".format(value)) from None
    if kind == 'none':
        return None
    raise ValueError('unknown conversion {!r}'.format(kind))


def check_value(parameter, text):
    """Refuse a value az would not take literally, or one that would put a secret on the command line."""
    if text.startswith(AT_FILE_PREFIX):
        raise _argument_error(MESSAGES['AtFile'].format(parameter.name))
    if parameter.convert == 'uri' and URI_WITH_QUERY.match(text):
        raise _argument_error(MESSAGES['UriQuery'].format(parameter.name))


def build_az_invocation(cmdlet, bound_parameters, verbose=False):
    """(argv, stdin_secret, env_secrets) for one call of `cmdlet` with `bound_parameters`.

    argv is az's argument list without the executable: the subcommand words, one `--option=value`
    per bound parameter in the table's order (the `=` form keeps a value that starts with '-' a
    value), the fixed arguments, then the output arguments. A 'stdin' secret puts `--option=@-` on
    argv and its value in stdin_secret; an 'env' secret puts nothing on argv and its value in
    env_secrets[env_var], for the child's environment only.

    bound_parameters: PowerShell parameter name (any case) -> value: str for String, SecureString,
    Uri and Guid (or uuid.UUID), bool for Boolean and switches, int for Int64, the member name for
    enums. Missing mandatory parameters and unknown names raise BridgeError (PowerShell's binder
    would refuse them before the function runs).
    """
    spec = cmdlet_of(cmdlet) if isinstance(cmdlet, str) else cmdlet
    bound = {}
    for name, value in bound_parameters.items():
        try:
            bound[spec.parameter(name).name] = value
        except KeyError:
            raise _argument_error("A parameter cannot be found that matches parameter name '{}'.".format(name)) \
                from None
    for parameter in spec.parameters:
        if parameter.mandatory and bound.get(parameter.name) in (None, ''):
            raise _argument_error('Missing mandatory parameter -{}.'.format(parameter.name))
    for name in spec.runtime_required:
        if bound.get(name) is None:
            raise _argument_error(MESSAGES['RuntimeRequired'].format(name, spec.name))

    argv = list(spec.subcommand)
    stdin_secret, env_secrets = None, {}
    for parameter in spec.parameters:
        if parameter.name not in bound or parameter.option is None or parameter.convert == 'none':
            continue
        value = bound[parameter.name]
        if value is None:
            continue
        text = convert_value(parameter, value)
        if text is None:
            continue
        if parameter.secret == 'stdin':
            stdin_secret = text
            argv.append(parameter.option + '=' + AT_FILE_PREFIX + '-')
            continue
        if parameter.secret == 'env':
            env_secrets[parameter.env_var] = text
            continue
        check_value(parameter, text)
        argv.append(parameter.option + '=' + text)
    argv.extend(spec.fixed_arguments)
    argv.extend(OUTPUT_ARGUMENTS)
    argv.extend(VERBOSE_ARGUMENTS if verbose else QUIET_ARGUMENTS)
    return AzInvocation(argv, stdin_secret, env_secrets)


# ---------------------------------------------------------------------------------------------
# az's results

AzFailure = namedtuple('AzFailure', 'message recommendation')
_ERROR_PREFIX = 'ERROR: '
_LOG_PREFIXES = ('ERROR: ', 'WARNING: ', 'INFO: ', 'DEBUG: ')


def parse_az_error(exit_code, stderr):
    """az's error message and recommendation from its stderr.

    The message is the text of the ERROR lines (joined by a space); the recommendation is the
    non-empty lines right after the last ERROR line, up to the first empty line or log line (az
    prints an azclierror's recommendation there, and a usage error's examples after an empty line).
    With no ERROR line, the last non-empty line, or 'az exited with code N'."""
    lines = (stderr or '').splitlines()
    messages, recommendation, last_error = [], [], None
    for index, line in enumerate(lines):
        if line.startswith(_ERROR_PREFIX):
            messages.append(line[len(_ERROR_PREFIX):].strip())
            last_error = index
    if last_error is not None:
        for line in lines[last_error + 1:]:
            if not line.strip() or line.startswith(_LOG_PREFIXES):
                break
            recommendation.append(line.strip())
    if not messages:
        rest = [line.strip() for line in lines if line.strip()]
        messages = [rest[-1]] if rest else [MESSAGES['AzExited'].format(exit_code)]
    return AzFailure(' '.join(messages), ' '.join(recommendation) or None)


def az_error(exit_code, stderr):
    """The BridgeError for a non-zero az exit."""
    failure = parse_az_error(exit_code, stderr)
    return BridgeError(failure.message, recommendation=failure.recommendation, exit_code=exit_code,
                       **EXIT_CODE_ERRORS.get(exit_code, OTHER_EXIT_ERROR))


def forwarded_lines(stderr):
    """(stream, text) for az's stderr lines other than ERROR lines, as the module forwards them with
    -Verbose: WARNING lines to Write-Warning, the others to Write-Verbose."""
    out = []
    for line in (stderr or '').splitlines():
        if not line.strip() or line.startswith(_ERROR_PREFIX):
            continue
        if line.startswith('WARNING: '):
            out.append(('Warning', line[len('WARNING: '):]))
        else:
            out.append(('Verbose', line))
    return out


def shape_output(cmdlet, stdout):
    """az's JSON (keys sorted) as the cmdlet's objects: OrderedDicts in the model's property order."""
    spec = cmdlet_of(cmdlet) if isinstance(cmdlet, str) else cmdlet
    parsed = json.loads(stdout)
    items = parsed if isinstance(parsed, list) else [parsed]
    return [OrderedDict((name, item.get(name)) for name in spec.property_order) for item in items]


def check_status(cmdlet, item, no_throw=False):
    """Raise the terminating error of a Failed operation (Get-AzSqlDatabaseImportExportStatus)."""
    spec = cmdlet_of(cmdlet) if isinstance(cmdlet, str) else cmdlet
    if not spec.throw_on_failed or no_throw:
        return
    if STATUS_OUTCOMES.get(item.get('Status')) == 'throw':
        message = item.get('ErrorMessage') or item.get('StatusMessage') or MESSAGES['OperationFailed']
        raise BridgeError(message, **FAILED_ERROR)


def run_cmdlet(cmdlet, bound_parameters, run_az, verbose=False):
    """One call of a module function, as the .psm1 does it: build, run az, map errors, shape, check.

    run_az(argv, stdin_secret, env_secrets) -> (exit_code, stdout, stderr). Returns the list of
    objects the function writes; raises BridgeError where it throws a terminating error."""
    spec = cmdlet_of(cmdlet) if isinstance(cmdlet, str) else cmdlet
    invocation = build_az_invocation(spec, bound_parameters, verbose=verbose)
    exit_code, stdout, stderr = run_az(*invocation)
    if exit_code != 0:
        raise az_error(exit_code, stderr)
    no_throw = any(k.lower() == 'nothrowonfailure' and v for k, v in bound_parameters.items())
    items = shape_output(spec, stdout)
    for item in items:
        check_status(spec, item, no_throw)
    return items


# ---------------------------------------------------------------------------------------------
# The Windows command line

def quote_windows_argument(argument, batch=False):
    """One argument as the C runtime's command-line parser reads it back (CommandLineToArgvW rules).
    With batch=True (az.cmd) every argument is quoted, so that cmd.exe leaves & | < > ^ alone, and
    what cmd.exe would still rewrite (double quotes, line breaks, %NAME%) is refused."""
    if batch and BATCH_UNSAFE.search(argument):
        raise _argument_error(MESSAGES['BatchUnsafe'].format(argument))
    if not batch and argument and not re.search(r'[\s"]', argument):
        return argument
    out, backslashes = ['"'], 0
    for char in argument:
        if char == '\\':
            backslashes += 1
            continue
        if char == '"':
            out.append('\\' * (2 * backslashes + 1) + '"')
        else:
            out.append('\\' * backslashes + char)
        backslashes = 0
    out.append('\\' * (2 * backslashes) + '"')
    return ''.join(out)


def windows_command_line(argv, batch=False):
    return ' '.join(quote_windows_argument(argument, batch) for argument in argv)


# ---------------------------------------------------------------------------------------------
# The table as data, for the generator and the docs

def what_if(cmdlet, bound_parameters):
    """(target, action) of ShouldProcess, or None when the cmdlet does not ask."""
    spec = cmdlet_of(cmdlet) if isinstance(cmdlet, str) else cmdlet
    if spec.should_process is None:
        return None
    bound = {spec.parameter(k).name: v for k, v in bound_parameters.items()}
    return tuple(re.sub(r'\{(\w+)\}', lambda m: str(bound.get(m.group(1), '')), template)
                 for template in spec.should_process)
