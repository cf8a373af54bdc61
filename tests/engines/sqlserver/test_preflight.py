"""The Always Encrypted preflight decides correctly for every combination of granted and missing permissions."""
import itertools

import pytest

from azext_bacpac.engines.sqlserver import MissingPermissionsError, SqlServerEngine
from azext_bacpac.pipelines.preflight import run_preflight
from azext_bacpac.engines.sqlserver import preflight
from azext_bacpac.format.model import (Column, ColumnEncryptionKey, ColumnEncryptionKeyValue, ColumnMasterKey, Model,
                                       Table)
from azext_bacpac.format.sqltypes import SqlType

from .conftest import make_engine
from .fakedb import PERMISSIONS, FakeDatabase, FakeServer

ALTER = PERMISSIONS[:2]
VIEW = PERMISSIONS[2:]
COMBINATIONS = list(itertools.product([True, False], repeat=4))


def ae_model(with_keys):
    model = Model()
    table = Table("dbo", "T", [Column("Id", SqlType("int"), nullable=False)])
    if with_keys:
        model.add(ColumnMasterKey("CMK", "AZURE_KEY_VAULT", "https://v.vault.azure.net/keys/k/1"))
        model.add(ColumnEncryptionKey("CEK", [ColumnEncryptionKeyValue("[CMK]", "0x01AB", "RSA_OAEP")]))
        table.columns.append(Column("SSN", SqlType("char", 11), nullable=False, collation="Latin1_General_BIN2",
                                    encryption_type="Deterministic",
                                    encryption_algorithm="AEAD_AES_256_CBC_HMAC_SHA_256",
                                    encryption_key="[CEK]"))
    model.add(table)
    return model


def server_with(granted, has_keys, user="loader"):
    fake = FakeServer()
    database = fake.add(FakeDatabase("Db"))
    database.user_name = user
    database.permissions = {p: int(g) for p, g in zip(PERMISSIONS, granted)}
    database.answers["key_presence"] = (["encrypted_columns", "master_keys", "encryption_keys"],
                                        [(3, 1, 1) if has_keys else (0, 0, 0)])
    return fake


def expected_missing(direction, granted, has_keys):
    state = dict(zip(PERMISSIONS, granted))
    if direction == "export":
        required = (ALTER if has_keys else []) + VIEW
    else:
        required = PERMISSIONS if has_keys else []
    return [p for p in required if not state[p]]


@pytest.mark.parametrize("has_keys", [True, False], ids=["with-keys", "without-keys"])
@pytest.mark.parametrize("granted", COMBINATIONS, ids=lambda g: "".join("G" if x else "-" for x in g))
@pytest.mark.parametrize("direction", ["export", "import"])
def test_every_combination(direction, granted, has_keys):
    fake = server_with(granted, has_keys)
    engine = make_engine(fake)
    results = engine.preflight("Db", direction, ae_model(has_keys))
    assert [r["permission"] for r in results] == PERMISSIONS
    assert [r["granted"] for r in results] == list(granted)
    missing = expected_missing(direction, granted, has_keys)
    session = engine.session("Db")
    if direction == "export":
        user, checks, _ = preflight.check_export(session.one)
    else:
        user, checks = preflight.check_import(session.one, ae_model(has_keys))
    assert [c.permission for c in checks if c.missing] == missing
    if not missing:
        preflight.enforce(checks, user=user, database="Db", direction=direction)
        return
    with pytest.raises(MissingPermissionsError) as caught:
        preflight.enforce(checks, user=user, database="Db", direction=direction)
    error = caught.value
    assert error.missing == missing
    assert error.grants == [f"GRANT {p} TO [loader];" for p in missing]
    message = str(error)
    assert "\n" not in message and "before any data moved" in message
    for permission in missing:
        assert f"GRANT {permission} TO [loader];" in message
    for permission in set(PERMISSIONS) - set(missing):
        assert f"GRANT {permission} TO" not in message


@pytest.mark.parametrize("granted", list(itertools.product([True, False], repeat=2)),
                         ids=lambda g: "".join("G" if x else "-" for x in g))
def test_export_alter_pair_with_keys(granted):
    """The documented export requirement on its own: the two ALTER permissions (VIEW granted)."""
    fake = server_with(granted + (True, True), has_keys=True)
    session = make_engine(fake).session("Db")
    user, checks, _ = preflight.check_export(session.one)
    missing = [p for p, g in zip(ALTER, granted) if not g]
    assert [c.permission for c in checks if c.missing] == missing
    assert all(c.required for c in checks)


def test_export_preflight_without_keys_requires_only_the_view_permissions():
    fake = server_with((False, False, True, True), has_keys=False)
    results = make_engine(fake).preflight("Db", "export")
    assert [(r["permission"], r["required"]) for r in results] == \
        [(ALTER[0], False), (ALTER[1], False), (VIEW[0], True), (VIEW[1], True)]


def test_a_permission_the_server_does_not_know_counts_as_missing_when_required():
    fake = server_with((True, True, True, True), has_keys=True)
    fake.databases["Db"].permissions[ALTER[0]] = None           # HAS_PERMS_BY_NAME answered NULL
    session = make_engine(fake).session("Db")
    user, checks, _ = preflight.check_export(session.one)
    with pytest.raises(MissingPermissionsError, match="could not tell"):
        preflight.enforce(checks, user=user, database="Db", direction="export")


@pytest.mark.parametrize("server_level, database_level, ok", [(1, 0, True), (0, 1, True), (0, 0, False)])
def test_import_into_a_new_database(server_level, database_level, ok):
    fake = FakeServer()
    fake.create_permission = (server_level, database_level)
    results = make_engine(fake).preflight("New", "import", ae_model(True))
    first = results[0]
    assert (first["permission"], first["granted"], first["required"]) == ("CREATE DATABASE", ok, True)
    assert all(r["granted"] for r in results[1:])


def test_run_preflight_is_what_the_cli_prints():
    """pipelines.preflight.run_preflight is what `az sql db bacpac preflight` calls (custom.py)."""
    fake = server_with((True, False, True, True), has_keys=True)
    results = run_preflight("myserver", "Db", "export",
                            engine_options=dict(user="u", password="pw-123456", connect=fake.connect))
    assert results == [{"permission": ALTER[0], "granted": True, "required": True},
                       {"permission": ALTER[1], "granted": False, "required": True},
                       {"permission": VIEW[0], "granted": True, "required": True,
                        "detail": "needed to see whether Always Encrypted keys exist, and to read them"},
                       {"permission": VIEW[1], "granted": True, "required": True,
                        "detail": "needed to see whether Always Encrypted keys exist, and to read them"}]


def test_the_permission_query_is_the_servers_own_function():
    assert all(f"HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', '{p}') AS [{p}]" in preflight.PERMISSIONS_QUERY
               for p in PERMISSIONS)


# ---- servers without Always Encrypted, and permissions the server does not know -------------------

def test_before_sql_server_2016_the_export_preflight_says_so_and_passes(tmp_path, monkeypatch):
    from .recorded import shop, with_facts
    from .test_deployment import export_to
    fake = FakeServer()
    fake.always_encrypted = False                 # sys.column_master_keys does not exist: naming it is Msg 208
    fake.add(FakeDatabase("Db"))
    session = make_engine(fake).session("Db")
    _, checks, _ = preflight.check_export(session.one)
    assert all(not c.required and c.granted is None and "2016" in c.detail for c in checks)
    preflight.enforce(checks, user="dbo", database="Db", direction="export")
    assert not [s for s in fake.sql("Db") if "column_master_keys" in s and "OBJECT_ID" not in s]
    # and a whole export of such a server: no key query, no encryption column of sys.columns
    from . import recorded
    old = shop(facts=with_facts(has_always_encrypted=0, product_version="12.0.6024.0", engine_edition=3))
    columns, rows = recorded.COLUMNS
    old.answers["columns_before_2016"] = (columns, [r[:-4] + (None, None, None, None) for r in rows])
    names, data, types = old.tables["[dbo].[Customers]"]
    ssn = names.index("SSN")
    old.tables["[dbo].[Customers]"] = (names, [r[:ssn] + ("123-45-6789",) + r[ssn + 1:] for r in data],
                                       types[:ssn] + ["char"] + types[ssn + 1:])
    monkeypatch.setattr(FakeServer, "__init__", _without_always_encrypted(FakeServer.__init__))
    path, summary = export_to(old, tmp_path, monkeypatch)
    assert summary["tables"] == 2


def _without_always_encrypted(init):
    def patched(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.always_encrypted = False
    return patched


def test_a_permission_the_server_does_not_know_is_not_required_where_no_key_exists():
    fake = server_with((True, True, True, True), has_keys=False)
    for permission in PERMISSIONS:
        fake.databases["Db"].permissions[permission] = None       # HAS_PERMS_BY_NAME answered NULL
    session = make_engine(fake).session("Db")
    _, checks, _ = preflight.check_export(session.one)
    assert all(not c.required and c.granted is None for c in checks)
    preflight.enforce(checks, user="loader", database="Db", direction="export")


def test_a_package_with_keys_cannot_go_to_a_server_without_always_encrypted():
    from azext_bacpac.errors import UnsupportedError
    with pytest.raises(UnsupportedError, match="2016"):
        preflight.check_import(None, ae_model(True), creating=True, create_row={"server_level": 1}, supported=False)
