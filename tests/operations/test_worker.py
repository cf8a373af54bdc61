"""The worker hands requests to the pipelines: engine options get the password from stdin secrets only."""
import sys
import types

from azext_bacpac.operations import worker
from azext_bacpac.operations.store import OperationRecord, OperationStore, new_operation_id


def test_engine_options_get_the_password_and_the_record_never_does(tmp_path, monkeypatch):
    calls = []
    fake = types.ModuleType('azext_bacpac.pipelines')

    def export_database(server, database, storage_uri, *, progress=None, cancel=None, engine_options=None,
                        storage_key=None, tables=None, exclude_tables=None, storage_key_type=None,
                        overwrite=False, publish=None):
        calls.append(dict(server=server, engine_options=engine_options, storage_key=storage_key, tables=tables))
        raise ValueError('login failed for sqladmin with password S3cret-pw')

    fake.export_database = export_database
    monkeypatch.setitem(sys.modules, 'azext_bacpac.pipelines', fake)
    import azext_bacpac
    monkeypatch.setattr(azext_bacpac, 'pipelines', fake, raising=False)
    store = OperationStore(str(tmp_path / 'ops.db'))
    record = OperationRecord(id=new_operation_id(), request_type='Export', server='myserver', database='db',
                             storage_uri='/tmp/x.bacpac',
                             parameters={'request': {'tables': ['dbo.*'], 'admin_user': 'sqladmin',
                                                     'engine_options': {'user': 'sqladmin', 'auth_type': 'SQL'}}})
    store.create(record)
    assert worker.run(store, record.id, {'admin_password': 'S3cret-pw', 'storage_key': 'k3y-value'}) == 1
    (call,) = calls
    assert call['engine_options'] == {'user': 'sqladmin', 'auth_type': 'SQL', 'password': 'S3cret-pw'}
    assert call['storage_key'] == 'k3y-value' and call['tables'] == ['dbo.*']
    final = store.get(record.id)
    assert final.state == 'Failed' and 'S3cret-pw' not in final.error_message
    assert 'S3cret-pw' not in open(store.path, 'rb').read().decode('latin-1')
