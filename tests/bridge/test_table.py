"""The bridge's table (scripts/powershell/bridge.py) against the cmdlets (cmdlets-and-az.md §1, §5), the az
side (validators' enums, the output shapes) and itself."""

from collections import OrderedDict

import pytest

import bridge
from azext_bacpac._validators import (
    ADMIN_PASSWORD_ENV, AUTH_TYPES, DATABASE_EDITIONS, STORAGE_KEY_ENV, STORAGE_KEY_TYPES)
from azext_bacpac.operations import shapes
from azext_bacpac.operations.status import status
from azext_bacpac.operations.store import ACTIVE_STATES, FINAL_STATES, OperationRecord

# cmdlets-and-az.md §1, transcribed on its own: name -> (type, Mandatory, Position, ByPropertyName).
COMMON = OrderedDict([
    ('StorageKeyType', ('StorageKeyType', True, None, False)),
    ('StorageKey', ('String', True, None, False)),
    ('StorageUri', ('Uri', True, None, False)),
    ('AdministratorLogin', ('String', True, None, False)),
    ('AdministratorLoginPassword', ('SecureString', True, None, False)),
    ('AuthenticationType', ('AuthenticationType', False, None, False)),
])
ISOLATION = OrderedDict([
    ('UseNetworkIsolation', ('Boolean', False, None, False)),
    ('StorageAccountResourceIdForPrivateLink', ('String', False, None, False)),
    ('SqlServerResourceIdForPrivateLink', ('String', False, None, False)),
])
PROFILE = OrderedDict([('DefaultProfile', ('Object', False, None, False))])
EXPECTED = {
    'New-AzSqlDatabaseExport': OrderedDict([
        ('ResourceGroupName', ('String', True, 0, True)),
        ('ServerName', ('String', True, 1, True)),
        ('DatabaseName', ('String', True, 2, True)),
        *COMMON.items(), *ISOLATION.items(), *PROFILE.items()]),
    'New-AzSqlDatabaseImport': OrderedDict([
        ('ResourceGroupName', ('String', True, 0, True)),
        ('ServerName', ('String', True, 1, True)),
        ('DatabaseName', ('String', True, None, False)),
        ('Edition', ('DatabaseEdition', True, None, False)),
        ('ServiceObjectiveName', ('String', True, None, False)),
        ('DatabaseMaxSizeBytes', ('Int64', True, None, False)),
        *COMMON.items(), *ISOLATION.items(), *PROFILE.items()]),
    'Get-AzSqlDatabaseImportExportStatus': OrderedDict([
        ('OperationStatusLink', ('String', True, 0, True)),
        ('NoThrowOnFailure', ('Switch', False, None, False)),      # the bridge's own (doc §5 recommends it)
        *PROFILE.items()]),
    'Stop-AzSqlDatabaseActivity': OrderedDict([
        ('ResourceGroupName', ('String', True, 0, True)),
        ('ServerName', ('String', True, 1, True)),
        ('DatabaseName', ('String', True, None, True)),
        ('ElasticPoolName', ('String', False, None, True)),
        ('OperationId', ('Guid', False, None, True)),
        *PROFILE.items()]),
}

# cmdlets-and-az.md §5, "Parameter-name mapping", with the az option strings of _params.py.
MAPPING = {
    'ResourceGroupName': '--resource-group', 'ServerName': '--server', 'StorageKeyType': '--storage-key-type',
    'StorageKey': '--storage-key', 'StorageUri': '--storage-uri', 'AdministratorLogin': '--admin-user',
    'AdministratorLoginPassword': '--admin-password', 'AuthenticationType': '--auth-type',
    'UseNetworkIsolation': '--use-network-isolation',
    'StorageAccountResourceIdForPrivateLink': '--storage-account-resource-id',
    'SqlServerResourceIdForPrivateLink': '--sql-server-resource-id', 'Edition': '--edition',
    'ServiceObjectiveName': '--service-objective', 'DatabaseMaxSizeBytes': '--max-size',
    'OperationStatusLink': '--operation-status-link', 'OperationId': '--operation-id',
    'ElasticPoolName': '--elastic-pool', 'DefaultProfile': None, 'NoThrowOnFailure': None,
}
DATABASE_OPTION = {'New-AzSqlDatabaseExport': '--name', 'New-AzSqlDatabaseImport': '--name',
                   'Stop-AzSqlDatabaseActivity': '--database'}
SUBCOMMANDS = {'New-AzSqlDatabaseExport': 'export', 'New-AzSqlDatabaseImport': 'import',
               'Get-AzSqlDatabaseImportExportStatus': 'show', 'Stop-AzSqlDatabaseActivity': 'cancel'}


def test_the_four_cmdlets_and_their_az_commands():
    assert list(bridge.CMDLETS) == list(EXPECTED)
    for name, spec in bridge.CMDLETS.items():
        assert spec.subcommand == ('sql', 'db', 'bacpac', SUBCOMMANDS[name])


@pytest.mark.parametrize('name', list(EXPECTED))
def test_parameters_types_positions_and_pipeline_binding_are_the_cmdlets(name):
    spec = bridge.CMDLETS[name]
    actual = OrderedDict((p.name, (p.type, p.mandatory, p.position, p.by_property_name)) for p in spec.parameters)
    assert actual == EXPECTED[name]
    positions = sorted(p.position for p in spec.parameters if p.position is not None)
    assert positions == list(range(len(positions)))


@pytest.mark.parametrize('name', list(EXPECTED))
def test_each_parameter_maps_to_the_documented_az_option(name):
    for p in bridge.CMDLETS[name].parameters:
        expected = DATABASE_OPTION[name] if p.name == 'DatabaseName' else MAPPING[p.name]
        assert p.option == expected, p.name
        assert p.convert in bridge.CONVERSIONS
        assert (p.option is None) == (p.convert == 'none'), p.name
        assert p.bridge_only == (p.name == 'NoThrowOnFailure')


def test_secrets_and_how_they_travel():
    secrets = {(c.name, p.name): (p.secret, p.env_var)
               for c in bridge.CMDLETS.values() for p in c.parameters if p.secret or p.convert == 'secret'}
    for cmdlet in ('New-AzSqlDatabaseExport', 'New-AzSqlDatabaseImport'):
        assert secrets.pop((cmdlet, 'AdministratorLoginPassword')) == ('stdin', None)
        assert secrets.pop((cmdlet, 'StorageKey')) == ('env', STORAGE_KEY_ENV)
    assert secrets == {}
    for spec in bridge.CMDLETS.values():
        assert sum(p.secret == 'stdin' for p in spec.parameters) <= 1      # one stdin per process
        for p in spec.parameters:
            assert (p.secret is not None) == (p.convert == 'secret')
    assert ADMIN_PASSWORD_ENV != STORAGE_KEY_ENV


def test_enums_are_the_cmdlets_and_map_onto_az_values():
    assert list(bridge.ENUMS['StorageKeyType']['values'].values()) == STORAGE_KEY_TYPES
    assert list(bridge.ENUMS['StorageKeyType']['values']) == STORAGE_KEY_TYPES
    auth = bridge.ENUMS['AuthenticationType']['values']
    assert list(auth) == ['None', 'Sql', 'AdPassword', 'ManagedIdentity']
    assert auth['None'] is None                                   # None: --auth-type left out
    assert [v for v in auth.values() if v] == AUTH_TYPES
    assert sorted(bridge.ENUMS['DatabaseEdition']['values']) == sorted(DATABASE_EDITIONS)
    assert all(k == v for k, v in bridge.ENUMS['DatabaseEdition']['values'].items())
    for spec in bridge.CMDLETS.values():
        for p in spec.parameters:
            assert (p.convert == 'enum') == (p.type in bridge.ENUMS)


def sample_record(state='InProgress'):
    return OperationRecord(id='0c4d1c0e-6a55-4b47-9a3a-4f3f2b0d8e11', request_type='Export', server='sqlite:///d',
                           database='shop', storage_uri='/tmp/shop.bacpac', resource_group='rg', state=state,
                           parameters={'storage_key_type': 'StorageAccessKey', 'admin_user': 'dba', 'auth_type': 'SQL'})


@pytest.mark.parametrize('name', list(EXPECTED))
def test_output_type_and_property_order_equal_the_shapes(name):
    spec = bridge.CMDLETS[name]
    shape = getattr(shapes, spec.shape)
    for state in ACTIVE_STATES + FINAL_STATES:
        assert tuple(shape(sample_record(state))) == spec.property_order
    expected_types = {
        'cmdlet_base': 'Microsoft.Azure.Commands.Sql.ImportExport.Model.AzureSqlDatabaseImportExportBaseModel',
        'cmdlet_status': 'Microsoft.Azure.Commands.Sql.ImportExport.Model.AzureSqlDatabaseImportExportStatusModel',
        'cmdlet_activity': 'Microsoft.Azure.Commands.Sql.Database.Model.AzureSqlDatabaseActivityModel',
    }
    assert spec.output_type == expected_types[spec.shape]


def test_the_base_model_order_is_the_help_examples():
    # New-AzSqlDatabaseExport's help example, top to bottom (cmdlets-and-az.md §1.1)
    assert bridge.BASE_PROPERTIES[:12] == (
        'ResourceGroupName', 'ServerName', 'DatabaseName', 'StorageKeyType', 'StorageKey', 'StorageUri',
        'AdministratorLogin', 'AdministratorLoginPassword', 'AuthenticationType', 'OperationStatusLink', 'Status',
        'ErrorMessage')
    assert bridge.STATUS_PROPERTIES[:6] == (
        'OperationStatusLink', 'ErrorMessage', 'LastModifiedTime', 'QueuedTime', 'RequestType', 'Status')


def test_every_status_the_az_side_can_report_has_an_outcome():
    reported = {status(sample_record(state)) for state in ACTIVE_STATES + FINAL_STATES}
    assert reported == set(bridge.STATUS_OUTCOMES)
    assert bridge.STATUS_OUTCOMES == OrderedDict(
        [('InProgress', 'return'), ('Succeeded', 'return'), ('Cancelled', 'return'), ('Failed', 'throw')])


def test_export_and_import_return_at_once_and_cancel_never_prompts():
    assert '--no-wait' in bridge.CMDLETS['New-AzSqlDatabaseExport'].fixed_arguments
    assert '--no-wait' in bridge.CMDLETS['New-AzSqlDatabaseImport'].fixed_arguments
    assert bridge.CMDLETS['Stop-AzSqlDatabaseActivity'].fixed_arguments == ('--yes',)
    assert bridge.CMDLETS['Stop-AzSqlDatabaseActivity'].runtime_required == ('OperationId',)
    assert bridge.CMDLETS['Stop-AzSqlDatabaseActivity'].returns_list
    assert [c.name for c in bridge.CMDLETS.values() if c.throw_on_failed] == ['Get-AzSqlDatabaseImportExportStatus']
    assert '--output-shape=cmdlet' in bridge.OUTPUT_ARGUMENTS and '--output=json' in bridge.OUTPUT_ARGUMENTS


def test_exit_codes_map_to_error_categories():
    assert {code: info['category'] for code, info in bridge.EXIT_CODE_ERRORS.items()} == {
        1: 'InvalidOperation', 2: 'InvalidArgument', 3: 'ObjectNotFound'}
    for info in list(bridge.EXIT_CODE_ERRORS.values()) + [bridge.OTHER_EXIT_ERROR, bridge.ARGUMENT_ERROR,
                                                          bridge.FAILED_ERROR, bridge.AZ_NOT_FOUND_ERROR]:
        assert set(info) == {'error_id', 'category', 'exception_type'}


def test_table_text_is_plain_ascii():
    # PowerShell reads typographic quotes as quotes: the generated module must be plain ASCII.
    for spec in bridge.CMDLETS.values():
        for text in [spec.synopsis, *(spec.should_process or ())] + [p.help for p in spec.parameters]:
            assert text.isascii() and '#>' not in text, text
