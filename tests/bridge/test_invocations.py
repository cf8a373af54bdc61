"""bridge.py's functions on their own: argument building, secrets, errors, output shaping, the
Windows command line."""

import json
import uuid

import pytest
from hypothesis import given, strategies as st

import bridge
from azext_bacpac._validators import STORAGE_KEY_ENV
from bridge import BridgeError, build_az_invocation

PASSWORD = 'Br1dge-Pa55word-never-on-argv'
KEY = 'YnJpZGdlLWtleS1uZXZlci1vbi1hcmd2'
OP = '0c4d1c0e-6a55-4b47-9a3a-4f3f2b0d8e11'


def export_bound(**extra):
    bound = dict(ResourceGroupName='rg', ServerName='sqlite:///d', DatabaseName='shop',
                 StorageKeyType='StorageAccessKey', StorageKey=KEY, StorageUri='/tmp/shop.bacpac',
                 AdministratorLogin='dba', AdministratorLoginPassword=PASSWORD)
    bound.update(extra)
    return bound


def import_bound(**extra):
    return export_bound(**dict(dict(Edition='Standard', ServiceObjectiveName='S0',
                                    DatabaseMaxSizeBytes=10 * 1024 ** 3), **extra))


def test_export_argv_in_table_order_with_the_secrets_off_it():
    argv, stdin_secret, env_secrets = build_az_invocation('New-AzSqlDatabaseExport', export_bound())
    assert argv == ['sql', 'db', 'bacpac', 'export', '--resource-group=rg', '--server=sqlite:///d', '--name=shop',
                    '--storage-key-type=StorageAccessKey', '--storage-uri=/tmp/shop.bacpac', '--admin-user=dba',
                    '--admin-password=@-', '--no-wait', '--output-shape=cmdlet', '--output=json',
                    '--only-show-errors']
    assert stdin_secret == PASSWORD
    assert env_secrets == {STORAGE_KEY_ENV: KEY}


def test_import_conversions():
    argv = build_az_invocation('New-AzSqlDatabaseImport', import_bound(
        AuthenticationType='AdPassword', UseNetworkIsolation=False, Edition='premiumrs')).argv
    assert '--edition=PremiumRS' in argv                     # enums bind case-insensitively, as in PowerShell
    assert '--service-objective=S0' in argv
    assert '--max-size=10737418240' in argv                  # Int64 bytes
    assert '--auth-type=ADPassword' in argv
    assert '--use-network-isolation=false' in argv
    assert '--name=shop' in argv and '--no-wait' in argv


@pytest.mark.parametrize('value, expected', [('None', None), ('Sql', 'SQL'), ('sql', 'SQL'),
                                             ('AdPassword', 'ADPassword'), ('ManagedIdentity', 'ManagedIdentity')])
def test_authentication_type_none_is_left_out(value, expected):
    argv = build_az_invocation('New-AzSqlDatabaseExport', export_bound(AuthenticationType=value)).argv
    auth = [a for a in argv if a.startswith('--auth-type')]
    assert auth == ([] if expected is None else ['--auth-type=' + expected])


def test_shared_access_key_is_passed_as_is():
    sas = 'sv=2022-11-02&ss=b&srt=o&sp=rw&sig=abc%2Bdef'
    invocation = build_az_invocation('New-AzSqlDatabaseExport', export_bound(StorageKeyType='SharedAccessKey',
                                                                             StorageKey=sas))
    assert invocation.env_secrets == {STORAGE_KEY_ENV: sas}
    assert '--storage-key-type=SharedAccessKey' in invocation.argv
    assert not any('--storage-key=' in a for a in invocation.argv)


def test_status_and_cancel_argv():
    link = 'bacpac-local://operations/servers/s/databases/d/importExportOperationResults/' + OP
    assert build_az_invocation('Get-AzSqlDatabaseImportExportStatus', {'OperationStatusLink': link}).argv == [
        'sql', 'db', 'bacpac', 'show', '--operation-status-link=' + link, '--output-shape=cmdlet', '--output=json',
        '--only-show-errors']
    argv, stdin_secret, env_secrets = build_az_invocation('Stop-AzSqlDatabaseActivity', dict(
        ResourceGroupName='rg', ServerName='sqlite:///d', DatabaseName='shop', OperationId=uuid.UUID(OP.upper()),
        DefaultProfile=object()))
    assert argv == ['sql', 'db', 'bacpac', 'cancel', '--resource-group=rg', '--server=sqlite:///d', '--database=shop',
                    '--operation-id=' + OP, '--yes', '--output-shape=cmdlet', '--output=json', '--only-show-errors']
    assert stdin_secret is None and env_secrets == {}


def test_verbose_asks_az_for_its_info_lines_instead_of_silence():
    argv = build_az_invocation('New-AzSqlDatabaseExport', export_bound(), verbose=True).argv
    assert argv[-1] == '--verbose' and '--only-show-errors' not in argv


def test_values_that_start_with_a_dash_or_hold_equals_stay_values():
    argv = build_az_invocation('New-AzSqlDatabaseExport', export_bound(DatabaseName='-odd=name x')).argv
    assert '--name=-odd=name x' in argv


def test_parameter_names_are_case_insensitive_and_unknown_ones_refused():
    bound = {k.lower(): v for k, v in export_bound().items()}
    assert build_az_invocation('new-azsqldatabaseexport', bound).argv[4] == '--resource-group=rg'
    with pytest.raises(BridgeError, match="cannot be found that matches parameter name 'Bogus'"):
        build_az_invocation('New-AzSqlDatabaseExport', export_bound(Bogus=1))


@pytest.mark.parametrize('missing', ['ResourceGroupName', 'ServerName', 'StorageKey', 'AdministratorLoginPassword'])
def test_missing_mandatory_parameters_are_refused(missing):
    bound = export_bound()
    del bound[missing]
    with pytest.raises(BridgeError, match='Missing mandatory parameter -' + missing):
        build_az_invocation('New-AzSqlDatabaseExport', bound)


def test_stop_needs_an_operation_id_at_run_time():
    with pytest.raises(BridgeError) as raised:
        build_az_invocation('Stop-AzSqlDatabaseActivity',
                            dict(ResourceGroupName='rg', ServerName='s', DatabaseName='d'))
    assert raised.value.category == 'InvalidArgument' and '-OperationId is required' in raised.value.message
    with pytest.raises(BridgeError, match="Cannot convert 'not-a-guid' to Guid"):
        build_az_invocation('Stop-AzSqlDatabaseActivity',
                            dict(ResourceGroupName='rg', ServerName='s', DatabaseName='d', OperationId='not-a-guid'))


@pytest.mark.parametrize('bound, message', [
    (export_bound(AdministratorLogin='@admins.txt'), "starts with '@'"),
    (export_bound(DatabaseName='@-'), "starts with '@'"),
    (export_bound(StorageUri='https://acct.blob.core.windows.net/c/x.bacpac?sv=1&sig=secret'), 'query string'),
    (export_bound(StorageUri='HTTP://acct/c/x.bacpac?sig=secret'), 'query string'),
    (export_bound(StorageKeyType='Blob'), 'Cannot convert'),
    (export_bound(UseNetworkIsolation='true'), '$true or $false'),
    (import_bound(DatabaseMaxSizeBytes=2 ** 63), 'Int64'),
    (import_bound(DatabaseMaxSizeBytes=True), 'Int64'),
])
def test_values_az_would_misread_or_that_would_leak_are_refused(bound, message):
    cmdlet = 'New-AzSqlDatabaseImport' if 'Edition' in bound else 'New-AzSqlDatabaseExport'
    with pytest.raises(BridgeError) as raised:
        build_az_invocation(cmdlet, bound)
    assert message in raised.value.message
    assert raised.value.category == 'InvalidArgument' and raised.value.exception_type == 'System.ArgumentException'


def test_secrets_may_look_like_anything():
    # a secret never goes through check_value: '@' or a '?' is fine in a password or a SAS
    invocation = build_az_invocation('New-AzSqlDatabaseExport', export_bound(
        AdministratorLoginPassword='@-?&"x y', StorageKey='?sv=1&sig=2'))
    assert invocation.stdin_secret == '@-?&"x y' and invocation.env_secrets[STORAGE_KEY_ENV] == '?sv=1&sig=2'


def test_local_paths_and_blob_urls_without_a_query_pass():
    for uri in ('./out/x.bacpac', 'C:\\out dir\\x.bacpac', 'file:///tmp/x.bacpac',
                'https://acct.blob.core.windows.net/c/x.bacpac', './odd?name.bacpac'):
        argv = build_az_invocation('New-AzSqlDatabaseExport', export_bound(StorageUri=uri)).argv
        assert '--storage-uri=' + uri in argv


# ---------------------------------------------------------------------------------------------
# az's errors

@pytest.mark.parametrize('stderr, message, recommendation', [
    ("ERROR: operation 'x' was not found (operations are kept in /s)\n", "operation 'x' was not found "
     "(operations are kept in /s)", None),
    ('WARNING: preview\nERROR: --admin-password/-p is required for server s.\nPass it without putting it on the '
     'command line.\n', '--admin-password/-p is required for server s.',
     'Pass it without putting it on the command line.'),
    ("ERROR: the following arguments are required: --name/-n\n\nExamples from command's help:\naz sql db ...\n",
     'the following arguments are required: --name/-n', None),
    ('Traceback (most recent call last):\n  File "x"\nValueError: bad\n', 'ValueError: bad', None),
    ('', 'az exited with code 1.', None),
    ('ERROR: one\nERROR: two\nhint\nINFO: later\n', 'one two', 'hint'),
])
def test_parse_az_error(stderr, message, recommendation):
    assert bridge.parse_az_error(1, stderr) == (message, recommendation)


@pytest.mark.parametrize('code, category', [(1, 'InvalidOperation'), (2, 'InvalidArgument'), (3, 'ObjectNotFound'),
                                            (134, 'NotSpecified')])
def test_exit_codes_become_terminating_errors(code, category):
    error = bridge.az_error(code, 'ERROR: boom\n')
    assert (error.message, error.category, error.exit_code) == ('boom', category, code)


def test_forwarded_lines_with_verbose():
    assert bridge.forwarded_lines('WARNING: w\nINFO: i\nERROR: e\n\nplain\n') == [
        ('Warning', 'w'), ('Verbose', 'INFO: i'), ('Verbose', 'plain')]


# ---------------------------------------------------------------------------------------------
# output

def test_shape_output_restores_the_property_order_from_sorted_json():
    item = {name: name.lower() for name in bridge.BASE_PROPERTIES}
    stdout = json.dumps(item, sort_keys=True)
    (shaped,) = bridge.shape_output('New-AzSqlDatabaseExport', stdout)
    assert list(shaped) == list(bridge.BASE_PROPERTIES) and shaped == item
    activities = bridge.shape_output('Stop-AzSqlDatabaseActivity', json.dumps(
        [{'State': 'Cancelled', 'OperationId': OP}], sort_keys=True))
    assert list(activities[0]) == list(bridge.ACTIVITY_PROPERTIES) and activities[0]['State'] == 'Cancelled'


@pytest.mark.parametrize('status, raises', [('InProgress', False), ('Succeeded', False), ('Cancelled', False),
                                            ('Failed', True)])
def test_get_status_throws_on_failed_only(status, raises):
    item = {'Status': status, 'ErrorMessage': 'disk full' if status == 'Failed' else None, 'StatusMessage': 'x'}
    if raises:
        with pytest.raises(BridgeError) as raised:
            bridge.check_status('Get-AzSqlDatabaseImportExportStatus', item)
        assert raised.value.message == 'disk full'
        assert raised.value.error_id == 'ImportExportOperationFailed'
        bridge.check_status('Get-AzSqlDatabaseImportExportStatus', item, no_throw=True)
    else:
        bridge.check_status('Get-AzSqlDatabaseImportExportStatus', item)
    bridge.check_status('New-AzSqlDatabaseExport', item)          # only Get throws


def test_run_cmdlet_step_by_step():
    seen = []

    def fake_az(argv, stdin_secret, env_secrets):
        seen.append((argv, stdin_secret, env_secrets))
        return 0, json.dumps({'Status': 'Failed', 'ErrorMessage': 'boom'}), ''

    with pytest.raises(BridgeError, match='boom'):
        bridge.run_cmdlet('Get-AzSqlDatabaseImportExportStatus', {'OperationStatusLink': 'x/' + OP}, fake_az)
    (item,) = bridge.run_cmdlet('Get-AzSqlDatabaseImportExportStatus',
                                {'OperationStatusLink': 'x/' + OP, 'NoThrowOnFailure': True}, fake_az)
    assert item['Status'] == 'Failed' and list(item) == list(bridge.STATUS_PROPERTIES)
    assert seen[0][0][4] == '--operation-status-link=x/' + OP
    with pytest.raises(BridgeError) as raised:
        bridge.run_cmdlet('Get-AzSqlDatabaseImportExportStatus', {'OperationStatusLink': 'x'},
                          lambda *a: (3, '', 'ERROR: not found\n'))
    assert raised.value.category == 'ObjectNotFound' and raised.value.message == 'not found'


def test_what_if_texts():
    assert bridge.what_if('New-AzSqlDatabaseExport', export_bound()) == (
        "database 'shop' on server 'sqlite:///d'", "Export to '/tmp/shop.bacpac'")
    assert bridge.what_if('Get-AzSqlDatabaseImportExportStatus', {'OperationStatusLink': 'x'}) is None


# ---------------------------------------------------------------------------------------------
# the Windows command line

def parse_windows_command_line(line):
    """Arguments as the Microsoft C runtime reads them back (the rules of CommandLineToArgvW)."""
    args, index, end = [], 0, len(line)
    while True:
        while index < end and line[index] in ' \t':
            index += 1
        if index >= end:
            return args
        current, quoted = [], False
        while index < end and (quoted or line[index] not in ' \t'):
            char = line[index]
            if char == '\\':
                run_end = index
                while run_end < end and line[run_end] == '\\':
                    run_end += 1
                count = run_end - index
                if run_end < end and line[run_end] == '"':
                    current.append('\\' * (count // 2))
                    if count % 2:
                        current.append('"')
                        index = run_end + 1
                    else:
                        index = run_end
                else:
                    current.append('\\' * count)
                    index = run_end
            elif char == '"':
                quoted = not quoted
                index += 1
            else:
                current.append(char)
                index += 1
        args.append(''.join(current))


ARGUMENT_TEXT = st.text(alphabet='ab \t\\"&|<>^%!=-/:@?', max_size=12)


@given(st.lists(ARGUMENT_TEXT, max_size=6))
def test_windows_command_line_round_trips(arguments):
    line = bridge.windows_command_line(arguments)
    assert parse_windows_command_line(line) == arguments


@given(st.lists(st.text(alphabet='ab \t\\&|<>^=-/:@?!%', max_size=12).filter(
    lambda s: not bridge.BATCH_UNSAFE.search(s)), max_size=6))
def test_batch_command_line_quotes_everything_and_round_trips(arguments):
    line = bridge.windows_command_line(arguments, batch=True)
    assert parse_windows_command_line(line) == arguments
    for argument in arguments:
        assert bridge.quote_windows_argument(argument, batch=True).startswith('"')


def test_parser_agrees_with_pythons_own_quoting():
    import subprocess
    sample = ['a b', 'x\\', 'q"uote', '', 'back\\\\"slash', 'tab\there']
    assert parse_windows_command_line(subprocess.list2cmdline(sample)) == sample
    assert bridge.windows_command_line(['plain', '--name=x', 'a b', '']) == 'plain --name=x "a b" ""'


@pytest.mark.parametrize('argument', ['say "hi"', 'line\nbreak', 'x%PATH%y', 'cr\r'])
def test_batch_files_refuse_what_cmd_would_rewrite(argument):
    with pytest.raises(BridgeError, match='batch file'):
        bridge.windows_command_line(['--name=' + argument], batch=True)
    assert parse_windows_command_line(bridge.windows_command_line([argument])) in ([argument], argument.split())
