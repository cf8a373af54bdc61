"""Every az invocation the module can build goes through the real az parser (DummyCli, with the
extension loaded as in tests/cli) and arrives as intended, secrets included, by their own channels;
then the cmdlets' canonical polling loop runs against real operations.

The combination tests stop az at the operation layer (azext_bacpac._operations.submit is replaced by
a recorder), so they check parsing, validation and what custom.py hands over without starting
workers; the end-to-end tests run everything.
"""

import itertools
import json
import time

import pytest

import bridge
from azext_bacpac import _operations
from azext_bacpac._objectives import SERVICE_OBJECTIVES
from bridge import BridgeError, build_az_invocation, run_cmdlet
from azext_bacpac.operations import shapes
from azext_bacpac.operations.link import make_link
from azext_bacpac.operations.store import OperationRecord, new_operation_id

PASSWORD = 'Br1dge-Pa55word-never-on-argv'
KEY = 'YnJpZGdlLWtleS1uZXZlci1vbi1hcmd2'
STORAGE_ID = '/subscriptions/0/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct'
SERVER_ID = '/subscriptions/0/resourceGroups/rg/providers/Microsoft.Sql/servers/srv'
ABSENT = object()
GET = 'Get-AzSqlDatabaseImportExportStatus'


def sample_values(parameter):
    if parameter.convert == 'enum':
        return list(bridge.ENUMS[parameter.type]['values'])
    if parameter.convert == 'bool' or parameter.type == 'Switch':
        return [True, False] if parameter.convert == 'bool' else [True]
    if parameter.convert == 'none':
        return [object()]
    if parameter.name == 'StorageAccountResourceIdForPrivateLink':
        return [STORAGE_ID]
    if parameter.name == 'SqlServerResourceIdForPrivateLink':
        return [SERVER_ID]
    if parameter.convert == 'guid':
        return [new_operation_id()]
    return ['value-of-' + parameter.name]


def combinations(spec):
    """Every subset of the optional parameters with every value of each (enums, booleans)."""
    optional = [p for p in spec.parameters if not p.mandatory]
    for values in itertools.product(*[[ABSENT] + sample_values(p) for p in optional]):
        yield {p.name: v for p, v in zip(optional, values) if v is not ABSENT}


def isolation_is_valid(bound):
    use = bound.get('UseNetworkIsolation')
    ids = 'StorageAccountResourceIdForPrivateLink' in bound or 'SqlServerResourceIdForPrivateLink' in bound
    return bool(use) == ids


@pytest.fixture
def submitted(monkeypatch):
    """Replace the operation layer's submit: record what custom.py hands over, return the record."""
    calls = []

    def submit(cmd, request, *, server, database, storage_uri, resource_group, secrets, no_wait, output_shape,
               hints=None):
        request_type, parameters = request.request_type, request.as_record()
        calls.append(dict(request_type=request_type, server=server, database=database, storage_uri=storage_uri,
                          resource_group=resource_group, parameters=parameters, secrets=secrets, no_wait=no_wait,
                          output_shape=output_shape))
        record = OperationRecord(id=new_operation_id(), request_type=request_type, server=server, database=database,
                                 storage_uri=storage_uri, resource_group=resource_group,
                                 parameters={k: parameters.get(k) for k in ('storage_key_type', 'admin_user',
                                                                            'auth_type')})
        return shapes.cmdlet_base(record, submitted=True) if output_shape == 'cmdlet' else shapes.az_record(record)

    monkeypatch.setattr(_operations, 'submit', submit)
    return calls


@pytest.mark.parametrize('cmdlet', ['New-AzSqlDatabaseExport', 'New-AzSqlDatabaseImport'])
def test_every_export_and_import_invocation_is_accepted_by_az(cmdlet, run_az, submitted, tmp_path):
    spec = bridge.CMDLETS[cmdlet]
    # each edition with one of its own service objectives (PremiumRS offers none: refused, see test_service_objectives)
    edition_values = [e for e in bridge.ENUMS['DatabaseEdition']['values'] if e != 'PremiumRS']
    key_types = list(bridge.ENUMS['StorageKeyType']['values'])
    count = 0
    for index, optional in enumerate(combinations(spec)):
        bound = dict(ResourceGroupName='rg',
                     # the embedded engine and a SQL Server name (which needs the password) in turn
                     ServerName='sqlite:///' + str(tmp_path) if index % 2 else 'sqlserver%d.example.com' % index,
                     DatabaseName='shop %d' % index, StorageKeyType=key_types[index % len(key_types)],
                     StorageKey=KEY, StorageUri=str(tmp_path / ('shop%d.bacpac' % index)),
                     AdministratorLogin='dba', AdministratorLoginPassword=PASSWORD, **optional)
        if cmdlet == 'New-AzSqlDatabaseImport':
            edition = edition_values[index % len(edition_values)]
            bound.update(Edition=edition, ServiceObjectiveName=SERVICE_OBJECTIVES.get(edition, ['GP_Gen5_2'])[-1],
                         DatabaseMaxSizeBytes=(index + 1) * 1024 ** 3)
        invocation = build_az_invocation(cmdlet, bound)
        assert not any(PASSWORD in a or KEY in a for a in invocation.argv), invocation.argv
        del submitted[:]
        exit_code, stdout, stderr = run_az(*invocation)
        assert exit_code != 2, (invocation.argv, stderr)         # never a usage error
        if not isolation_is_valid(bound):
            # the bridge asks for --output-shape cmdlet, so the error is in the cmdlet's own words
            assert exit_code == 1 and 'UseNetworkIsolation' in stderr, (invocation.argv, stderr)
            assert not submitted
            continue
        assert exit_code == 0, (invocation.argv, stderr)
        (call,) = submitted
        assert (call['server'], call['database'], call['storage_uri'], call['resource_group']) == (
            bound['ServerName'], bound['DatabaseName'], bound['StorageUri'], 'rg')
        assert call['secrets'] == {'admin_password': PASSWORD, 'storage_key': KEY}   # stdin and environment
        assert call['no_wait'] is True and call['output_shape'] == 'cmdlet'
        parameters = call['parameters']
        assert parameters['admin_user'] == 'dba'
        assert parameters['storage_key_type'] == bound['StorageKeyType']
        auth = bound.get('AuthenticationType')
        assert parameters['auth_type'] == (bridge.ENUMS['AuthenticationType']['values'][auth] if auth else None)
        isolation = parameters['network_isolation']
        assert isolation['use_network_isolation'] is bool(bound.get('UseNetworkIsolation'))
        assert isolation['storage_account_resource_id'] == bound.get('StorageAccountResourceIdForPrivateLink')
        assert isolation['sql_server_resource_id'] == bound.get('SqlServerResourceIdForPrivateLink')
        if cmdlet == 'New-AzSqlDatabaseImport':
            assert parameters['edition'] == bound['Edition']
            assert parameters['service_objective'] == bound['ServiceObjectiveName']
            assert parameters['max_size_bytes'] == bound['DatabaseMaxSizeBytes']
        (shaped,) = bridge.shape_output(spec, stdout)
        assert list(shaped) == list(spec.property_order)
        assert shaped['Status'] == 'InProgress' and shaped['StorageKey'] is None
        assert shaped['AdministratorLoginPassword'] is None
        assert shaped['AuthenticationType'] == (bridge.ENUMS['AuthenticationType']['values'][auth] if auth
                                                and auth != 'None' else 'None')
        count += 1
    assert count >= 40


def make_record(store, state, **changes):
    values = dict(id=new_operation_id(), request_type='Export', server='sqlite:///nowhere', database='shop',
                  storage_uri='/tmp/shop.bacpac', resource_group='rg', state=state, percent=37.5)
    if state not in ('Pending', 'InProgress', 'CancelInProgress'):
        values.update(percent=100.0 if state == 'Succeeded' else 37.5, finish_time=time.time())
    if state == 'Failed':
        values.update(error_message="database 'shop' is locked", error_type='EngineError')
    if state == 'Cancelled':
        values.update(error_message='Cancelled by the user.')
    values.update(changes)
    record = OperationRecord(**values)
    assert store.create(record, conflict_check=False) is None
    return record


@pytest.mark.parametrize('state, expected', [('InProgress', 'InProgress'), ('Pending', 'InProgress'),
                                             ('Succeeded', 'Succeeded'), ('Cancelled', 'Cancelled'),
                                             ('Failed', None)])
def test_every_status_invocation(run_az, store, state, expected):
    record = make_record(store, state)
    link = make_link(record.server, record.database, record.id)
    for optional in combinations(bridge.CMDLETS[GET]):
        bound = dict(OperationStatusLink=link, **optional)
        if expected is None and not optional.get('NoThrowOnFailure'):
            with pytest.raises(BridgeError) as raised:
                run_cmdlet(GET, bound, run_az)
            assert raised.value.message == "database 'shop' is locked"
            assert raised.value.category == 'InvalidResult'
            continue
        (status,) = run_cmdlet(GET, bound, run_az)
        assert list(status) == list(bridge.STATUS_PROPERTIES)
        assert status['Status'] == (expected or 'Failed') and status['OperationStatusLink'] == link
        assert status['RequestType'] == 'Export'
        if state == 'Cancelled':
            assert status['StatusMessage'] == 'Cancelled by the user.'


def test_status_of_an_unknown_operation_is_not_found(run_az):
    link = make_link('sqlite:///nowhere', 'shop', new_operation_id())
    with pytest.raises(BridgeError) as raised:
        run_cmdlet(GET, {'OperationStatusLink': link}, run_az)
    assert raised.value.exit_code == 3 and raised.value.category == 'ObjectNotFound'
    assert 'was not found' in raised.value.message and not raised.value.message.startswith('ERROR')


def test_every_cancel_invocation(run_az, store):
    spec = bridge.CMDLETS['Stop-AzSqlDatabaseActivity']
    record = make_record(store, 'Succeeded')
    for optional in combinations(spec):
        bound = dict(ResourceGroupName='rg', ServerName=record.server, DatabaseName=record.database, **optional)
        if 'OperationId' not in bound:
            with pytest.raises(BridgeError, match='-OperationId is required'):
                run_cmdlet(spec, bound, run_az)
            continue
        bound['OperationId'] = record.id.upper()
        if 'ElasticPoolName' in bound:
            # refused by az, in Stop-AzSqlDatabaseActivity's own words
            with pytest.raises(BridgeError) as raised:
                run_cmdlet(spec, bound, run_az)
            assert raised.value.exit_code == 1
            assert raised.value.message == 'Azure Sql Database Elastic Pool name cannot be specified for this operation'
            continue
        (activity,) = run_cmdlet(spec, bound, run_az)
        assert list(activity) == list(bridge.ACTIVITY_PROPERTIES)
        assert activity['OperationId'] == record.id and activity['State'] == 'Succeeded'
        assert activity['Operation'] == 'ExportDatabase'


def test_cancel_of_another_database_is_refused(run_az, store):
    record = make_record(store, 'Succeeded')
    with pytest.raises(BridgeError) as raised:
        run_cmdlet('Stop-AzSqlDatabaseActivity', dict(ResourceGroupName='rg', ServerName=record.server,
                                                      DatabaseName='other', OperationId=record.id), run_az)
    assert raised.value.exit_code == 1 and "--database 'other'" in raised.value.message


def test_a_usage_error_reads_as_az_wrote_it(run_az):
    # not something the bridge builds: a bad enum value typed by hand, to see az's usage error parsed
    exit_code, _, stderr = run_az(['sql', 'db', 'bacpac', 'export', '--server=sqlite:///x', '--name=x',
                                   '--storage-uri=x.bacpac', '--auth-type=Bogus', '--output=json'], None, {})
    error = bridge.az_error(exit_code, stderr)
    assert error.exit_code == 2 and error.category == 'InvalidArgument'
    assert "'Bogus' is not a valid value for '--auth-type'" in error.message
    assert error.recommendation is None


# ---------------------------------------------------------------------------------------------
# end to end: real operations and workers, the canonical loop (cmdlets-and-az.md §1.3)

def pipeline_bind(cmdlet, input_object):
    """What PowerShell's binder takes from a piped object: the ValueFromPipelineByPropertyName
    parameters whose names are properties of it."""
    spec = bridge.CMDLETS[cmdlet]
    return {p.name: input_object[p.name] for p in spec.parameters
            if p.by_property_name and input_object.get(p.name) is not None}


def poll(run_az, request, sleep=0.05, limit=120):
    """The canonical loop, status first taken from the request:
    while ($s.Status -eq "InProgress") { Start-Sleep; $s = Get-...Status -OperationStatusLink $req.OperationStatusLink }
    """
    deadline = time.monotonic() + limit
    status = request
    seen = []
    while status['Status'] == 'InProgress':
        assert time.monotonic() < deadline, seen
        time.sleep(sleep)
        (status,) = run_cmdlet(GET, {'OperationStatusLink': request['OperationStatusLink']}, run_az)
        seen.append(status['StatusMessage'])
    return status, seen


def test_canonical_polling_loop_export_then_import(run_az, sample_db, tmp_path):
    server, folder, name = sample_db
    bacpac = tmp_path / 'sales.bacpac'
    export = dict(ResourceGroupName='rg', ServerName=server, DatabaseName=name, StorageKeyType='StorageAccessKey',
                  StorageKey=KEY, StorageUri=str(bacpac), AdministratorLogin='dba',
                  AdministratorLoginPassword=PASSWORD)
    started = time.monotonic()
    (request,) = run_cmdlet('New-AzSqlDatabaseExport', export, run_az)
    assert time.monotonic() - started < 5                        # returns at once
    assert list(request) == list(bridge.BASE_PROPERTIES)
    assert request['Status'] == 'InProgress' and request['DatabaseName'] == name
    assert request['StorageKey'] is None and request['AdministratorLoginPassword'] is None
    status, seen = poll(run_az, request)
    assert status['Status'] == 'Succeeded' and status['StatusMessage'] == 'Completed', seen
    assert bacpac.is_file()
    # the other style: $s = $req | Get-AzSqlDatabaseImportExportStatus
    (piped,) = run_cmdlet(GET, pipeline_bind(GET, request), run_az)
    assert piped == status

    new_database = dict(ResourceGroupName='rg', ServerName=server, DatabaseName='sales_copy',
                        Edition='Standard', ServiceObjectiveName='S0', DatabaseMaxSizeBytes=10 * 1024 ** 3,
                        StorageKeyType='StorageAccessKey', StorageKey=KEY, StorageUri=str(bacpac),
                        AdministratorLogin='dba', AdministratorLoginPassword=PASSWORD)
    (request,) = run_cmdlet('New-AzSqlDatabaseImport', new_database, run_az)
    status, _ = poll(run_az, request)
    assert status['Status'] == 'Succeeded' and status['RequestType'] == 'Import'
    assert (folder / 'sales_copy.sqlite').is_file()

    # $req | Stop-AzSqlDatabaseActivity -OperationId ($req.OperationStatusLink.Split('/')[-1])
    bound = dict(pipeline_bind('Stop-AzSqlDatabaseActivity', request),
                 OperationId=request['OperationStatusLink'].split('/')[-1])
    assert set(bound) == {'ResourceGroupName', 'ServerName', 'DatabaseName', 'OperationId'}
    (activity,) = run_cmdlet('Stop-AzSqlDatabaseActivity', bound, run_az)
    assert activity['State'] == 'Succeeded' and activity['Operation'] == 'ImportDatabase'

    for argv, stdin_secret, env_secrets in run_az.calls:
        assert not any(PASSWORD in a or KEY in a for a in argv)


def test_a_failed_export_throws_its_error_from_get_status(run_az, tmp_path):
    bound = dict(ResourceGroupName='rg', ServerName='sqlite:///' + str(tmp_path), DatabaseName='missing',
                 StorageKeyType='StorageAccessKey', StorageKey=KEY, StorageUri=str(tmp_path / 'm.bacpac'),
                 AdministratorLogin='dba', AdministratorLoginPassword=PASSWORD)
    (request,) = run_cmdlet('New-AzSqlDatabaseExport', bound, run_az)
    link = request['OperationStatusLink']
    deadline = time.monotonic() + 60
    while True:
        try:
            (status,) = run_cmdlet(GET, {'OperationStatusLink': link}, run_az)
        except BridgeError as error:
            assert "database 'missing' not found" in error.message
            assert error.error_id == 'ImportExportOperationFailed'
            break
        assert status['Status'] == 'InProgress' and time.monotonic() < deadline
        time.sleep(0.05)
    (status,) = run_cmdlet(GET, {'OperationStatusLink': link, 'NoThrowOnFailure': True}, run_az)
    assert status['Status'] == 'Failed' and "database 'missing' not found" in status['ErrorMessage']
    assert not (tmp_path / 'm.bacpac').exists()


def test_outputs_are_json_objects_the_module_can_read(run_az, store):
    # ConvertFrom-Json gets exactly one JSON document; cancel gives an array
    record = make_record(store, 'Cancelled')
    link = make_link(record.server, record.database, record.id)
    exit_code, stdout, _ = run_az(*build_az_invocation(GET, {'OperationStatusLink': link}))
    assert exit_code == 0 and isinstance(json.loads(stdout), dict)
    exit_code, stdout, _ = run_az(*build_az_invocation('Stop-AzSqlDatabaseActivity', dict(
        ResourceGroupName='rg', ServerName=record.server, DatabaseName=record.database, OperationId=record.id)))
    assert exit_code == 0 and isinstance(json.loads(stdout), list)
