"""The engine contract (azext_bacpac/engines/base.py), run against every registered engine.

Each engine gets the same checks through the real pipelines: it declares its contract, answers its
own --server form, reads what it counts, round-trips a database through a BACPAC, leaves the target
as it was when an import is cancelled, and names one target one way however it is spelled.
"""
import pytest

from azext_bacpac import pipelines
from azext_bacpac.engines import Capabilities, Engine, ExportSource, ImportTarget, engine_class, engines
from azext_bacpac.errors import CancelledError
from azext_bacpac.format.package import PackageReader
from azext_bacpac.operations.identity import target_identity

from .peers import PEERS

ENGINES = engines()


def engine_id(cls):
    return cls.name


@pytest.fixture(params=ENGINES, ids=engine_id)
def peer(request, tmp_path):
    factory = PEERS.get(request.param.name)
    assert factory is not None, f"no contract peer for engine '{request.param.name}': add one to tests/engines/peers.py"
    return request.param, factory(tmp_path)


def test_the_registry_holds_every_engine_package():
    assert {cls.name for cls in ENGINES} >= {"sqlite", "sqlserver"}
    assert sum(1 for cls in ENGINES if cls.default) == 1          # exactly one answers a bare server name


def test_an_engine_declares_its_contract(peer):
    cls, site = peer
    assert issubclass(cls, Engine) and cls.name and cls.title and cls.address_hint
    assert isinstance(cls.capabilities, Capabilities) and isinstance(cls.options, frozenset)
    assert engine_class(site.server) is cls
    with pytest.raises(TypeError, match="no_such_option"):
        cls.open(site.server, no_such_option=1)


def test_an_export_source_reads_what_it_counts(peer):
    cls, site = peer
    engine = cls.open(site.server, **site.engine_options)
    with engine.export_source(site.database) as source:
        assert isinstance(source, ExportSource)
        assert sorted(source.table_names) == sorted(site.rows)
        assert [t.full_name for t in source.model.tables if t.full_name in site.rows] == source.table_names
        for name, expected in site.rows.items():
            read = sum(len(rows) for rows in source.row_batches(name))
            assert read == expected == source.exact_row_count(name)
            assert source.partitions(name, 1_000_000)                      # at least one part
    assert isinstance(engine.import_target("contract_new"), ImportTarget)


def test_a_database_round_trips_through_a_bacpac(peer, tmp_path):
    cls, site = peer
    options = site.engine_options
    first = tmp_path / "first.bacpac"
    exported = pipelines.export_database(site.server, site.database, str(first), engine_options=options)
    assert {t["name"]: t["rows"] for t in exported["perTable"]} == site.rows
    imported = pipelines.import_package(str(first), site.server, "contract_copy", engine_options=options)
    assert {t["name"]: t["rows"] for t in imported["perTable"]} == site.rows
    assert site.held_rows("contract_copy") == site.rows
    if not site.reads_back_imports:
        return
    second = tmp_path / "second.bacpac"
    again = pipelines.export_database(site.server, "contract_copy", str(second), engine_options=options)
    assert {t["name"]: t["rows"] for t in again["perTable"]} == site.rows
    with PackageReader(str(first)) as one, PackageReader(str(second)) as two:
        assert [t.full_name for t in one.tables] == [t.full_name for t in two.tables]


def test_a_cancelled_import_leaves_the_target_as_it_was(peer, tmp_path):
    cls, site = peer
    package = tmp_path / "p.bacpac"
    pipelines.export_database(site.server, site.database, str(package), engine_options=site.engine_options)
    events = []

    def cancel():
        return any(e.get("phase") == "data" for e in events)
    with pytest.raises(CancelledError):
        pipelines.import_package(str(package), site.server, "contract_cancelled", progress=events.append,
                                 cancel=cancel, engine_options=site.engine_options, workers=0)
    # Nothing was left: the same import now runs as into a database that never existed.
    done = pipelines.import_package(str(package), site.server, "contract_cancelled",
                                    engine_options=site.engine_options, workers=0)
    assert done["rows"] == sum(site.rows.values())
    assert site.held_rows("contract_cancelled") == site.rows


def test_one_target_has_one_identity_however_it_is_spelled(peer):
    cls, site = peer
    assert target_identity(site.server, site.database) == target_identity(*site.same_target)
    assert target_identity(site.server, site.database) != target_identity(*site.other_target)
    assert cls.target_identity(site.server, site.database) == target_identity(site.server, site.database)
