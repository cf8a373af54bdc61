#!/usr/bin/env python3
"""Fuzz `inspect` and `import` with damaged and hostile variants of every real vector.

    .venv/bin/python scripts/fuzz.py --cases 5000 --seed 1 [--workers 2] [--timeout 20]
                                     [--memory-mib 1024] [--cli 20] [--json out.json]
    .venv/bin/python scripts/fuzz.py --replay 1234 --seed 1      # case 1234 of seed 1, in this process

Each case takes one vector of ../shared/vectors (tests/vectors.py) and one mutation (MUTATIONS:
bit flips, truncation, inflated BCP length prefixes, reordered, duplicated, dropped or renamed
entries, absurd declared sizes in the ZIP headers, Zip64 size claims, appended bytes, XML entity
expansion and external entities, damaged model.xml with a recomputed checksum, a changed row
total, ...), then runs inspect_package and import_package (into a fresh SQLite folder) on it;
every fourth case imports through the parallel decoder processes (workers=2).

Cases run in a pool of worker processes, each with RLIMIT_AS (--memory-mib) and a per-case time
box (SIGALRM in the worker; the parent kills a worker whose case runs past --timeout + 5 s).
Allowed outcomes: success, or an azext_bacpac.errors.BacpacError / format BacpacFormatError with
a one-line message. Anything else is a finding:
  traceback     any other exception class (the stack is kept for the report)
  hang          a case over its time box
  memory        MemoryError, or a worker that died (killed by the memory limit or a signal)
  silent        a package that must be refused was imported, or an import whose rows differ from
                an independent decode of the same package, or whose total differs from Origin.xml
  unclear       an error message that is empty, spans several lines or runs past 2,000 characters
  leftover      files left in the SQLite folder by a failed import (or beside a successful one)
With --cli N, N more cases go through the real az parser (DummyCli: inspect, and import with its
detached worker). Prints counts by outcome; exit code 1 when there is any finding.

By case family: the vectors taken apart and the mutations are in fuzz_mutations.py (package text
as SQL: sql-text; cell validation: bad-cell; ...), the az route in fuzz_cli.py; odd files,
overwrite targets, SIGSTOP/SIGCONT, store damage and huge values are scripts/faults.py's.
"""
import argparse
import collections
import io
import json
import os
import random
import re
import resource
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
import traceback
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

MAX_MESSAGE = 2000

from fuzz_cli import _CliRefusal, cli_import, cli_inspect  # noqa: E402  (scripts/, beside this file)
# (the tests reach the vectors' helpers through this module: fuzz.Source, fuzz.rebuild, ...)
from fuzz_mutations import (BILLION_LAUGHS, MODEL, MUTATIONS, ORIGIN, RELS, XML_PARTS, Entry,  # noqa: E402,F401
                            Source, _xml_attack, bcp_prefixes, case_spec, central_records, lying_offset,
                            rebuild, replaced, vector_names, with_checksum)


# ---- one case -------------------------------------------------------------------------------------

class CaseTimeout(BaseException):
    """Raised by SIGALRM in a worker: the case ran past its time box."""


def _on_alarm(*_):
    raise CaseTimeout()


def _allowed(error):
    from azext_bacpac.errors import BacpacError
    from azext_bacpac.format.errors import BacpacFormatError
    return isinstance(error, (BacpacError, BacpacFormatError, _CliRefusal))


def _classify(error, where):
    """(outcome, finding or None) for an exception raised by inspect or import."""
    name = type(error).__name__
    if isinstance(error, CaseTimeout):
        return "HANG", ("hang", f"{where}: over the time box")
    if isinstance(error, MemoryError):
        return "MEMORY", ("memory", f"{where}: MemoryError")
    if not _allowed(error):
        stack = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        return f"TRACEBACK:{name}", ("traceback", f"{where}: {name}: {error}\n{stack}")
    message = str(error)
    if isinstance(error, _CliRefusal):
        name = "az:" + error.az_class
    if not message.strip() or "\n" in message or len(message) > MAX_MESSAGE:
        return f"refused:{name}", ("unclear", f"{where}: {name} message not one clear line: {message[:300]!r}")
    return f"refused:{name}", None


def db_rows(path):
    """{sqlite table: sorted reprs of its rows} for every user table (catalog tables included)."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [n for (n,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {n: sorted(map(repr, connection.execute(f'SELECT * FROM "{n.replace(chr(34), chr(34) * 2)}"')))
                for n in names}
    finally:
        connection.close()


def decoded_vs_imported(package_path, db_path):
    """Compare the imported tables with an independent decode of the package: (problems, decoded total,
    Origin's total or None). The decoded rows go through the engine's row mapper into an in-memory
    table of the same declaration, so that both sides have SQLite's type affinity applied."""
    from azext_bacpac.engines.sqlite_ddl import plan_tables
    from azext_bacpac.engines.sqlite_schema import quote_ident
    from azext_bacpac.format.package import PackageReader
    problems = []
    connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        with PackageReader(str(package_path), verify_checksum=False) as reader:
            plans, _ = plan_tables(reader.model, [t.table for t in reader.tables])
            by_name = {plan.table.full_name: plan for plan in plans}
            total = 0
            for table in reader.tables:
                plan = by_name[table.full_name]
                mapper = plan.row_mapper()
                width = len(plan.columns)
                variants = [c.name for c in plan.columns if c.companion]
                names = ", ".join(quote_ident(c.name) for c in plan.columns)
                expected = sqlite3.connect(":memory:")
                expected_variants = []
                try:
                    expected.execute(plan.create_table_sql())
                    count = 0
                    for batch in reader.row_batches(table):
                        rows = list(batch if mapper is None else map(mapper, batch))
                        expected.executemany(plan.insert_sql(), [row[:width] for row in rows])
                        expected_variants.extend((name, raw) for row in rows
                                                 for name, raw in zip(variants, row[width:]) if raw is not None)
                        count += len(batch)
                    total += count
                    select = f"SELECT {names} FROM {quote_ident(plan.sqlite_name)}"
                    decoded = sorted(map(repr, expected.execute(select)))
                finally:
                    expected.close()
                stored = sorted(map(repr, connection.execute(select)))
                stored_variants = sorted(connection.execute(
                    "SELECT column_name, value FROM __bacpac_variants WHERE sqlite_name = ?", (plan.sqlite_name,))
                    ) if variants else []
                if len(stored) != len(decoded):
                    problems.append(f"{table.full_name}: {len(stored)} rows imported, {len(decoded)} decoded")
                elif stored != decoded or stored_variants != sorted(expected_variants):
                    problems.append(f"{table.full_name}: imported rows differ from the decoded rows")
            origin_total = reader.origin.total_rows if reader.origin.has_export_statistics else None
    finally:
        connection.close()
    return problems, total, origin_total


def bcp_contents(data):
    """{entry: bytes} of the data entries a plain ZIP reader sees (None when it cannot)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            return {i.filename: package.read(i) for i in package.infolist() if i.filename.startswith("Data/")}
    except Exception:   # noqa: BLE001 - unreadable is an answer here
        return None


def _parallel(spec):
    """Every fourth case imports through the parallel decoder processes (when the pipeline has them)."""
    import inspect
    from azext_bacpac.pipelines import import_package
    if spec["index"] % 4 == 3 and "workers" in inspect.signature(import_package).parameters:
        return {"workers": 2}
    return {}


class Runner:
    """Runs cases in this process: caches the vectors and the rows of their clean imports."""

    def __init__(self, workdir):
        self.workdir = Path(workdir)
        self.sources = {}
        self.baselines = {}

    def source(self, name):
        if name not in self.sources:
            self.sources[name] = Source(name)
        return self.sources[name]

    def baseline(self, name):
        if name not in self.baselines:
            folder = self.workdir / "baseline"
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            package = folder / "clean.bacpac"
            package.write_bytes(self.source(name).data)
            db_folder = folder / "db"
            db_folder.mkdir()
            from azext_bacpac.pipelines import import_package
            import_package(str(package), "sqlite:///" + str(db_folder), "fuzz")
            self.baselines[name] = db_rows(db_folder / "fuzz.sqlite")
            shutil.rmtree(folder, ignore_errors=True)
        return self.baselines[name]

    def mutate(self, spec):
        src = self.source(spec["vector"])
        rng = random.Random(spec["seed"])
        return MUTATIONS[spec["kind"]](rng, src)

    def run(self, spec, timeout=None, via_cli=False):
        from azext_bacpac.pipelines import import_package, inspect_package
        result = {"index": spec["index"], "vector": spec["vector"], "kind": spec["kind"], "findings": []}
        started = time.monotonic()
        case_dir = self.workdir / f"case-{spec['index']}"
        shutil.rmtree(case_dir, ignore_errors=True)
        case_dir.mkdir(parents=True)
        old_handler = signal.signal(signal.SIGALRM, _on_alarm) if timeout else None
        try:
            if timeout:
                signal.alarm(int(timeout))
            baseline = self.baseline(spec["vector"])
            data, detail, expect = self.mutate(spec)
            result.update(detail=detail, expect=expect, size=len(data))
            package = case_dir / "fuzzed.bacpac"
            package.write_bytes(data)
            db_folder = case_dir / "db"
            db_folder.mkdir()
            # inspect
            try:
                if via_cli:
                    cli_inspect(str(package))
                else:
                    inspect_package(str(package))
                result["inspect"] = "ok"
            except BaseException as error:   # noqa: BLE001 - classified
                result["inspect"], finding = _classify(error, "inspect")
                if finding:
                    result["findings"].append(finding)
                if isinstance(error, (CaseTimeout, KeyboardInterrupt)):
                    raise
            # import
            try:
                if via_cli:
                    cli_import(str(package), "sqlite:///" + str(db_folder), "fuzz", timeout or 60)
                else:
                    import_package(str(package), "sqlite:///" + str(db_folder), "fuzz", **_parallel(spec))
                imported = True
            except BaseException as error:   # noqa: BLE001 - classified
                imported = False
                result["import"], finding = _classify(error, "import")
                if finding:
                    result["findings"].append(finding)
                if isinstance(error, (CaseTimeout, KeyboardInterrupt)):
                    raise
            left = sorted(p.name for p in db_folder.iterdir())
            if left != (["fuzz.sqlite"] if imported else []):
                result["findings"].append(("leftover", f"files in the SQLite folder after the import: {left}"))
            if imported:
                result["import"] = self._verify(result, spec, data, package, db_folder / "fuzz.sqlite",
                                                baseline, expect)
        except CaseTimeout:
            result.setdefault("inspect", "HANG")
            result.setdefault("import", "HANG")
            if not any(kind == "hang" for kind, _ in result["findings"]):
                result["findings"].append(("hang", "the case ran past its time box"))
        finally:
            if timeout:
                signal.alarm(0)
                signal.signal(signal.SIGALRM, old_handler)
            shutil.rmtree(case_dir, ignore_errors=True)
        result["seconds"] = round(time.monotonic() - started, 3)
        return result

    def _verify(self, result, spec, data, package, db_path, baseline, expect):
        """An import succeeded: was it allowed to, and does it hold exactly what the package decodes to?"""
        with sqlite3.connect(db_path) as conn:
            schema = " ".join(sql or "" for (sql,) in conn.execute("SELECT sql FROM sqlite_master"))
            names = {name.lower() for (name,) in conn.execute("SELECT name FROM sqlite_master")}
            columns = {column.lower() for name in names for (_, column, *_) in
                       conn.execute(f'PRAGMA table_info("{name.replace(chr(34), chr(34) * 2)}")')}
        if "pwned" in names or "pwn" in columns or re.search(r"\bDEFAULT 'INJECTED'", schema):
            result["findings"].append(("corrupted", f"package text reached SQL as code ({result['detail']})"))
        problems, total, origin_total = decoded_vs_imported(package, db_path)
        for problem in problems:
            result["findings"].append(("silent", f"imported rows do not match the decode: {problem}"))
        if origin_total is not None and total != origin_total:
            result["findings"].append(("silent", f"imported {total} rows, Origin.xml says {origin_total}"))
        if expect == "refuse":
            result["findings"].append(("silent", f"a package that must be refused was imported ({result['detail']})"))
        identical = db_rows(db_path) == baseline
        if expect == "identical" and not identical:
            result["findings"].append(("silent", "a harmless change gave different rows"))
        if identical:
            return "imported-identical"
        original = self.source(spec["vector"])
        now = bcp_contents(data)
        if now is not None and now != {e.name: e.data for e in original.bcp}:
            return "imported-valid-damage"     # BCP bytes changed, every row still decodes, totals agree
        return "imported-changed-model"


# ---- the pool -------------------------------------------------------------------------------------

def _worker(connection, workdir, timeout, memory_bytes):
    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    runner = Runner(workdir)
    while True:
        message = connection.recv()
        if message is None:
            break
        spec, via_cli = message
        try:
            result = runner.run(spec, timeout, via_cli)
        except MemoryError:
            result = {"index": spec["index"], "vector": spec["vector"], "kind": spec["kind"],
                      "inspect": "MEMORY", "import": "MEMORY", "findings": [("memory", "MemoryError in the runner")]}
        result["max_rss_kib"] = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                                    resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
        connection.send(result)


class Pool:
    """Worker processes fed one case at a time; a worker past the hard time limit is killed."""

    def __init__(self, size, workdir, timeout, memory_bytes):
        import multiprocessing
        self.context = multiprocessing.get_context("fork")
        self.size, self.workdir, self.timeout, self.memory_bytes = size, workdir, timeout, memory_bytes
        self.slots = [self._start(i) for i in range(size)]

    def _start(self, number):
        parent, child = self.context.Pipe()
        folder = os.path.join(self.workdir, f"worker-{number}-{time.monotonic_ns()}")
        process = self.context.Process(target=_worker, args=(child, folder, self.timeout, self.memory_bytes),
                                       daemon=True)
        process.start()
        child.close()
        return {"number": number, "process": process, "connection": parent, "case": None, "started": None}

    def run(self, specs, on_result):
        from multiprocessing.connection import wait
        pending = list(specs)
        pending.reverse()
        busy = 0
        while pending or busy:
            for slot in self.slots:
                if slot["case"] is None and pending:
                    slot["case"] = pending.pop()
                    slot["started"] = time.monotonic()
                    slot["connection"].send(slot["case"])
                    busy += 1
            ready = wait([s["connection"] for s in self.slots if s["case"] is not None], timeout=0.5)
            for index, slot in enumerate(self.slots):
                if slot["case"] is None:
                    continue
                spec = slot["case"][0]
                if slot["connection"] in ready:
                    try:
                        on_result(slot["connection"].recv())
                        slot["case"] = None
                        busy -= 1
                        continue
                    except (EOFError, OSError):
                        code = slot["process"].exitcode
                        self._replace(index)
                        busy -= 1
                        on_result(_lost(spec, "memory", f"the worker died (exit code {code}; a signal or the "
                                                        f"memory limit)"))
                        continue
                if time.monotonic() - slot["started"] > self.timeout + 5:
                    self._replace(index, kill=True)
                    busy -= 1
                    on_result(_lost(spec, "hang", f"killed after {self.timeout + 5} s"))

    def _replace(self, index, kill=False):
        slot = self.slots[index]
        if kill and slot["process"].is_alive():
            slot["process"].kill()
        slot["process"].join(5)
        slot["connection"].close()
        self.slots[index] = self._start(slot["number"])

    def close(self):
        for slot in self.slots:
            try:
                slot["connection"].send(None)
            except OSError:
                pass
        for slot in self.slots:
            slot["process"].join(10)
            if slot["process"].is_alive():
                slot["process"].kill()


def _lost(spec, kind, text):
    outcome = "HANG" if kind == "hang" else "MEMORY"
    return {"index": spec["index"], "vector": spec["vector"], "kind": spec["kind"], "inspect": outcome,
            "import": outcome, "findings": [(kind, text)], "max_rss_kib": 0}


# ---- the report -----------------------------------------------------------------------------------

class Tally:
    def __init__(self):
        self.cases = 0
        self.inspect = collections.Counter()
        self.imports = collections.Counter()
        self.by_kind = collections.defaultdict(collections.Counter)
        self.findings = collections.defaultdict(list)
        self.max_rss_kib = 0
        self.slowest = (0.0, None)

    def add(self, result):
        self.cases += 1
        self.inspect[result.get("inspect", "?")] += 1
        self.imports[result.get("import", "?")] += 1
        self.by_kind[result["kind"]][result.get("import", "?").split(":")[0]] += 1
        for kind, text in result["findings"]:
            self.findings[kind].append((result["index"], result["vector"], result["kind"], result.get("detail"), text))
        self.max_rss_kib = max(self.max_rss_kib, result.get("max_rss_kib", 0))
        if result.get("seconds", 0) > self.slowest[0]:
            self.slowest = (result["seconds"], result["index"])

    @property
    def finding_count(self):
        return sum(len(v) for v in self.findings.values())

    def report(self, out=sys.stdout, elapsed=None, header=""):
        print(header, file=out)
        print(f"cases run: {self.cases}" + (f" in {elapsed:.1f} s" if elapsed is not None else ""), file=out)
        print("inspect outcomes:", file=out)
        for name, count in self.inspect.most_common():
            print(f"  {count:7d}  {name}", file=out)
        print("import outcomes:", file=out)
        for name, count in self.imports.most_common():
            print(f"  {count:7d}  {name}", file=out)
        print("import outcomes by mutation:", file=out)
        for kind in sorted(self.by_kind):
            counts = ", ".join(f"{n} {c}" for n, c in self.by_kind[kind].most_common())
            print(f"  {kind:20s} {counts}", file=out)
        for kind in ("traceback", "hang", "memory", "silent", "corrupted", "unclear", "leftover"):
            print(f"{kind + ':':11s} {len(self.findings.get(kind, []))}", file=out)
        counted = {kind: len(self.findings.get(kind, [])) for kind in ("traceback", "hang", "leftover", "corrupted")}
        print(f"counts: cases tried {self.cases}, tracebacks {counted['traceback']}, hangs {counted['hang']}, "
              f"partial outputs {counted['leftover']}, corrupted targets {counted['corrupted']}, stuck or flipped "
              f"records n/a (scripts/faults.py), leftover files {counted['leftover']}, secrets seen n/a "
              f"(tests/reliability/test_secrets.py)", file=out)
        print(f"max RSS: {self.max_rss_kib / 1024:.1f} MiB (largest worker, or process below one)", file=out)
        if self.slowest[1] is not None:
            print(f"slowest case: #{self.slowest[1]} {self.slowest[0]:.2f} s", file=out)
        for kind, items in sorted(self.findings.items()):
            for index, vector, mutation, detail, text in items[:5]:
                print(f"FINDING {kind} case #{index} {vector} {mutation} ({detail}): {text[:3000]}", file=out)
            if len(items) > 5:
                print(f"... and {len(items) - 5} more {kind} finding(s)", file=out)


def fuzz(cases, seed=0, workers=2, timeout=20, memory_mib=1024, kinds=None, vectors=None, cli_cases=0,
         on_result=None):
    """Run `cases` cases (plus `cli_cases` through az) and return the Tally."""
    vectors = vectors or vector_names()
    kinds = kinds or sorted(MUTATIONS)
    specs = [(case_spec(seed, i, vectors, kinds), False) for i in range(cases)]
    # az cases stride through the (vector, mutation) pairs, so that a few of them cover many mutations
    specs += [(case_spec(seed + 1, cases + i * 37, vectors, kinds), True) for i in range(cli_cases)]
    tally = Tally()
    workdir = tempfile.mkdtemp(prefix="bacpac-fuzz-", dir="/dev/shm" if os.access("/dev/shm", os.W_OK) else None)
    os.chmod(workdir, 0o700)
    pool = Pool(workers, workdir, timeout, memory_mib << 20 if memory_mib else 0)

    def record(result):
        tally.add(result)
        if on_result:
            on_result(result)

    try:
        pool.run(specs, record)
    finally:
        pool.close()
        shutil.rmtree(workdir, ignore_errors=True)
    return tally


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=max(1, min(8, os.cpu_count() or 1)))
    parser.add_argument("--timeout", type=int, default=20, help="seconds per case")
    parser.add_argument("--memory-mib", type=int, default=1024, help="RLIMIT_AS per worker (0: none)")
    parser.add_argument("--cli", type=int, default=0, help="extra cases through az (DummyCli)")
    parser.add_argument("--mutation", action="append", choices=sorted(MUTATIONS), help="only these mutations")
    parser.add_argument("--vector", action="append", help="only these vectors")
    parser.add_argument("--json", help="write every case's result here")
    parser.add_argument("--replay", type=int, help="run case N in this process and print its result")
    options = parser.parse_args(argv)
    kinds = options.mutation or sorted(MUTATIONS)
    vectors = options.vector or vector_names()
    if options.replay is not None:
        spec = case_spec(options.seed, options.replay, vectors, kinds)
        workdir = tempfile.mkdtemp(prefix="bacpac-fuzz-replay-")
        try:
            result = Runner(workdir).run(spec, options.timeout)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        for kind, text in result["findings"]:
            print(f"FINDING {kind}: {text}")
        print(json.dumps({k: v for k, v in result.items() if k != "findings"}, indent=2, default=str))
        return 1 if result["findings"] else 0
    results = []
    started = time.monotonic()
    tally = fuzz(options.cases, options.seed, options.workers, options.timeout, options.memory_mib, kinds, vectors,
                 options.cli, on_result=results.append if options.json else None)
    tally.report(elapsed=time.monotonic() - started,
                 header=f"fuzz: seed {options.seed}, {len(vectors)} vectors x {len(kinds)} mutations, "
                        f"{options.workers} workers, {options.timeout} s per case, RLIMIT_AS "
                        f"{options.memory_mib} MiB, {options.cli} via az")
    if options.json:
        with open(options.json, "w") as handle:
            json.dump(results, handle, indent=1, default=str)
    return 1 if tally.finding_count else 0


if __name__ == "__main__":
    sys.exit(main())
