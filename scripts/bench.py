#!/usr/bin/env python3
"""Benchmark: export and import a generated SQLite database, side by side with real baselines.

    .venv/bin/python scripts/bench.py [--size-mb 330] [--rows 3500000] [--seed 7] [--json out.json]
                                      [--workers N] [--level L] [--serial] [--big] [--keep DIR]
                                      [--many-tables [N ...]] [--skip-main]

See scripts/BENCH.md. One run:
1. generates a SQLite database (deterministic for a seed): one large table `events` (integers,
   decimals, nvarchar of varying length with non-ASCII text, datetime2 text, NULLs), a 30-column
   table `wide30` (every common type: GUIDs, binary, dates, money, bits ...), and 50 small tables;
2. exports it to a BACPAC and imports that back into a new database, each phase in its own
   process, measuring wall time, rows/s and MB/s of BCP payload, peak RSS of every process of the
   phase (VmHWM of the phase process, and of each worker process it starts, polled from /proc),
   the peak sum of RSS over the phase's process tree, and peak temporary disk (the output folder
   and TMPDIR, polled);
3. on the same database, the baselines: `sqlite3 db .dump | gzip -6` (time, size), restoring the
   dump with `sqlite3 new.db < dump.sql` (time), and raw deflate of the package's own BCP bytes at
   the level the export used (and stdlib zlib level 6), single-threaded (time, MB/s).
Prints a table and writes JSON (--json). `--big` adds a second export/import of a database with one
~2 GB table (slow: minutes) to show that peak RSS does not grow with table size.
"""
import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

MB = 1_000_000
EXPORT_TARGET = 0.5            # issue 8: export at most 0.5x the time of `sqlite3 .dump | gzip -6`
IMPORT_TARGET = 0.6            # and import at most 0.6x the time of restoring that dump
PURE = False                   # --pure: the phases run with BACPAC_NATIVE=0
MiB = 1 << 20
SMALL_TABLES = 50

FIRST = ["Anna", "Zoë", "Łukasz", "José", "François", "Søren", "Ångström", "Mika", "Νίκος", "Иван", "李", "さくら",
         "Ólafur", "Chloé", "Björk", "Dvořák", "Nguyễn", "Müller", "O'Brien", "Smith"]
WORDS = ["order", "shipped", "naïve", "café", "straße", "déjà vu", "façade", "smörgåsbord", "Ελλάδα", "данные",
         "東京", "데이터", "🙂", "total", "invoice", "return", "pending", "αβγ", "ок", "ready", "late", "urgent"]


# ---- generation ----------------------------------------------------------------------------------

EVENTS_SQL = """CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    account INT NOT NULL,
    amount DECIMAL(12, 2) NOT NULL,
    created DATETIME2(3) NOT NULL,
    name NVARCHAR(60) NOT NULL,
    ratio FLOAT,
    note NVARCHAR(800)
)"""

WIDE_COLUMNS = [
    ("id", "INTEGER PRIMARY KEY"), ("guid", "UNIQUEIDENTIFIER NOT NULL"), ("code", "VARCHAR(12) NOT NULL"),
    ("title", "NVARCHAR(120)"), ("qty", "SMALLINT NOT NULL"), ("tiny", "TINYINT"), ("big", "BIGINT"),
    ("price", "DECIMAL(18, 4) NOT NULL"), ("discount", "NUMERIC(5, 2)"), ("cost", "MONEY"),
    ("weight", "REAL"), ("score", "FLOAT"), ("active", "BIT NOT NULL"), ("deleted", "BIT"),
    ("born", "DATE"), ("created", "DATETIME2(7) NOT NULL"), ("updated", "DATETIME2(3)"), ("at", "TIME(0)"),
    ("stamp", "DATETIME"), ("ref", "UNIQUEIDENTIFIER"), ("hash", "BINARY(16)"), ("blob", "VARBINARY(200)"),
    ("city", "NVARCHAR(40)"), ("country", "CHAR(2)"), ("zip", "VARCHAR(10)"), ("phone", "VARCHAR(20)"),
    ("email", "NVARCHAR(100)"), ("notes", "\"NVARCHAR(MAX)\""), ("flags", "INT NOT NULL"), ("version", "INT NOT NULL"),
]


def _text(rng, count):
    return " ".join(rng.choice(WORDS) for _ in range(count))


def _dt(rng, digits):
    base = 1_600_000_000 + rng.randrange(200_000_000)
    text = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(base))
    if digits:
        text += "." + str(rng.randrange(10 ** digits)).zfill(digits)
    return text


def _events_rows(rng, count, start, note_chars):
    """Rows of `events`; note_chars is the mean length of the nvarchar note (30 % NULL)."""
    randrange, random_, choice = rng.randrange, rng.random, rng.choice
    for i in range(start, start + count):
        note = None
        if random_() >= 0.3 and note_chars:
            words = max(1, int(note_chars * (0.2 + 1.6 * random_()) / 7))
            note = " ".join(choice(WORDS) for _ in range(words))[:800]
        yield (i, randrange(1, 500_000), f"{randrange(-10_000_000, 100_000_000) / 100:.2f}", _dt(rng, 3),
               f"{choice(FIRST)} {choice(WORDS)} {randrange(1000)}",
               None if random_() < 0.2 else random_() * 1000, note)


def _wide_rows(rng, count):
    for i in range(1, count + 1):
        nul = rng.random() < 0.15
        yield (i, str(uuid.UUID(int=rng.getrandbits(128))).upper(), f"C{rng.randrange(10**10):010d}",
               None if nul else f"{rng.choice(FIRST)} — {_text(rng, rng.randrange(1, 8))}",
               rng.randrange(-32768, 32767), None if nul else rng.randrange(256), rng.randrange(-2**62, 2**62),
               f"{rng.randrange(10**13) / 10**4:.4f}", None if nul else f"{rng.randrange(10**5) / 100:.2f}",
               None if nul else f"{rng.randrange(10**9) / 10**4:.4f}", None if nul else round(rng.random() * 100, 3),
               rng.random() * 1e6, rng.randrange(2), None if nul else rng.randrange(2),
               None if nul else f"{rng.randrange(1950, 2010)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
               _dt(rng, 7), None if nul else _dt(rng, 3), None if nul else _dt(rng, 0)[11:],
               None if nul else _dt(rng, 0), None if rng.random() < 0.5 else str(uuid.UUID(int=rng.getrandbits(128))),
               rng.randbytes(16), None if nul else rng.randbytes(rng.randrange(0, 120)),
               rng.choice(FIRST) + "ville", rng.choice(["DE", "FR", "PL", "JP", "GR", "US"]),
               f"{rng.randrange(100000):05d}", f"+{rng.randrange(10**11)}", f"{rng.choice(FIRST).lower()}@example.com",
               None if nul or rng.random() < 0.5 else _text(rng, rng.randrange(5, 60)),
               rng.randrange(2**31), rng.randrange(100))


def _small_rows(rng, count, number):
    for i in range(1, count + 1):
        yield (i, f"{rng.choice(FIRST)} {number}", None if rng.random() < 0.2 else rng.randrange(10**6),
               _dt(rng, 0), str(uuid.UUID(int=rng.getrandbits(128))).upper())


def generate(path, rows, size_mb, seed):
    """Write the benchmark database at `path`; returns a description dict."""
    started = time.monotonic()
    rng = random.Random(seed)
    path = Path(path)
    if path.exists():
        path.unlink()
    small_rows = min(1000, max(10, rows // 500))
    wide_rows = max(100, rows // 70)
    events_rows = max(1, rows - wide_rows - small_rows * SMALL_TABLES)
    # Byte budget (measured with dbstat): an events row without its note takes ~87 bytes (its index
    # included), a wide30 row ~550, a small-table row ~86. The note (30 % NULL, ~1.25 bytes a
    # character in UTF-8) fills the rest; at 3.5 M rows and 330 MB there is room for almost none.
    budget = size_mb * MB - wide_rows * 550 - small_rows * SMALL_TABLES * 86
    note_chars = max(0, int((budget / events_rows - 87) / (0.7 * 1.25)))
    conn = __import__("sqlite3").connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    conn.execute(EVENTS_SQL)
    conn.execute(f"CREATE TABLE wide30 ({', '.join(f'{n} {t}' for n, t in WIDE_COLUMNS)})")
    for number in range(SMALL_TABLES):
        conn.execute(f"CREATE TABLE small_{number:02d} (id INTEGER PRIMARY KEY, label NVARCHAR(50) NOT NULL, "
                     f"amount INT, created DATETIME, ref UNIQUEIDENTIFIER NOT NULL)")
    insert_events = "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)"
    step = 200_000
    for start in range(1, events_rows + 1, step):
        conn.executemany(insert_events, _events_rows(rng, min(step, events_rows + 1 - start), start, note_chars))
    conn.executemany(f"INSERT INTO wide30 VALUES ({', '.join('?' * len(WIDE_COLUMNS))})", _wide_rows(rng, wide_rows))
    for number in range(SMALL_TABLES):
        conn.executemany(f"INSERT INTO small_{number:02d} VALUES (?, ?, ?, ?, ?)", _small_rows(rng, small_rows, number))
    conn.execute("CREATE INDEX ix_events_account ON events(account)")
    conn.execute("CREATE INDEX ix_wide30_code ON wide30(code)")
    conn.execute("COMMIT")
    conn.close()
    return {"path": str(path), "bytes": path.stat().st_size, "rows": events_rows + wide_rows + small_rows * SMALL_TABLES,
            "tables": {"events": events_rows, "wide30": wide_rows, "small_NN": f"{SMALL_TABLES} x {small_rows}"},
            "noteMeanChars": note_chars, "seed": seed, "seconds": round(time.monotonic() - started, 1)}


def generate_many_tables(path, tables):
    """`tables` one-row tables (an ERP-like schema: many small tables), deterministic."""
    started = time.monotonic()
    path = Path(path)
    if path.exists():
        path.unlink()
    conn = __import__("sqlite3").connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    for number in range(tables):
        conn.execute(f"CREATE TABLE t{number:05d} (id INTEGER PRIMARY KEY, name NVARCHAR(40) NOT NULL, "
                     f"amount DECIMAL(10, 2))")
        conn.execute(f"INSERT INTO t{number:05d} VALUES (1, 'row {number}', 12.50)")
    conn.execute("COMMIT")
    conn.close()
    return {"path": str(path), "bytes": path.stat().st_size, "tables": tables, "rows": tables,
            "seconds": round(time.monotonic() - started, 1)}


def generate_big(path, size_mb, seed):
    """One table of ~size_mb (events rows with long notes): for the memory-versus-size evidence."""
    started = time.monotonic()
    rng = random.Random(seed)
    path = Path(path)
    if path.exists():
        path.unlink()
    rows = int(size_mb * MB / 425)
    conn = __import__("sqlite3").connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    conn.execute(EVENTS_SQL)
    step = 200_000
    for start in range(1, rows + 1, step):
        conn.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)",
                         _events_rows(rng, min(step, rows + 1 - start), start, 400))
    conn.execute("COMMIT")
    conn.close()
    return {"path": str(path), "bytes": path.stat().st_size, "rows": rows, "tables": {"events": rows},
            "seed": seed, "seconds": round(time.monotonic() - started, 1)}


# ---- measuring processes --------------------------------------------------------------------------

def _status(pid):
    """(VmRSS, VmHWM) in bytes of a live process, or None."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            values = {}
            for line in status:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    values[key] = int(rest.split()[0]) * 1024
            return values.get("VmRSS", 0), values.get("VmHWM", 0)
    except (OSError, ValueError, IndexError):
        return None


def _pss(pid):
    """Proportional set size in bytes (shared pages divided among their sharers), or 0."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii", errors="replace") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as children:
            return [int(c) for c in children.read().split()]
    except OSError:
        return []


def _tree(pid):
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(_children(current))
    return found


def _dir_bytes(folders):
    total = 0
    for folder in folders:
        for root, _, files in os.walk(folder):
            for name in files:
                try:
                    total += os.lstat(os.path.join(root, name)).st_blocks * 512
                except OSError:
                    pass
    return total


class Watcher:
    """Polls a process tree (RSS) and folders (disk) every `interval` seconds until stopped."""

    def __init__(self, pid, folders, interval=0.05):
        self.pid, self.folders, self.interval = pid, folders, interval
        self.peak_hwm = {}          # pid -> (name, peak VmHWM)
        self.peak_sum_rss = 0
        self.peak_sum_pss = 0
        self.peak_disk = 0
        self.start_disk = _dir_bytes(folders)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self):
        total = pss = 0
        for pid in _tree(self.pid):
            status = _status(pid)
            if status is None:
                continue
            rss, hwm = status
            total += rss
            pss += _pss(pid)
            role = "phase" if pid == self.pid else "worker"
            old = self.peak_hwm.get(pid, (role, 0))[1]
            self.peak_hwm[pid] = (role, max(old, hwm, rss))
        self.peak_sum_rss = max(self.peak_sum_rss, total)
        self.peak_sum_pss = max(self.peak_sum_pss, pss)
        self.peak_disk = max(self.peak_disk, _dir_bytes(self.folders) - self.start_disk)

    def stop(self):
        self._stop.set()
        self._thread.join()
        self.sample()               # what the phase left (the package it wrote)

    def summary(self):
        phase = max((v for r, v in self.peak_hwm.values() if r == "phase"), default=0)
        workers = [v for r, v in self.peak_hwm.values() if r == "worker"]
        return {"peakRssPhaseProcessMB": round(phase / MB, 1),
                "peakRssWorkerMB": round(max(workers, default=0) / MB, 1),
                "workerProcessesSeen": len(workers),
                "peakRssSumMB": round(self.peak_sum_rss / MB, 1),
                "peakPssSumMB": round(self.peak_sum_pss / MB, 1),
                "peakTempDiskMB": round(max(0, self.peak_disk) / MB, 1)}


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_measured(command, folders, env=None):
    """Run a command; returns (seconds, watcher summary, stdout); summary has cpuSeconds (the
    command and every process it waited for)."""
    cpu = _children_cpu()
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    watcher = Watcher(process.pid, folders)
    out, err = process.communicate()
    watcher.stop()
    seconds = time.monotonic() - started
    watched = watcher.summary()
    watched["cpuSeconds"] = round(_children_cpu() - cpu, 2)
    if process.returncode != 0:
        raise SystemExit(f"command failed ({process.returncode}): {' '.join(map(str, command))}\n"
                         f"{err.decode(errors='replace')[-3000:]}")
    return seconds, watched, out.decode()


# ---- the phases (run in a child process of this script) ------------------------------------------

def phase_main(args):
    import resource
    options = json.loads(args.options)
    if args.phase == "export":
        from azext_bacpac.pipelines.export import export_database
        summary = export_database(f"sqlite:///{os.path.abspath(args.folder)}", args.database, args.package,
                                  overwrite=True, **options)
    else:
        from azext_bacpac.pipelines.importing import import_package
        summary = import_package(args.package, f"sqlite:///{os.path.abspath(args.folder)}", args.database, **options)
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    own = _status(os.getpid())
    print(json.dumps({"rows": summary["rows"], "bytes": summary["bytes"], "packageBytes": summary["packageBytes"],
                      "tables": summary["tables"], "selfPeakRss": own[1] if own else None,
                      "childrenPeakRss": children, "pipeline": summary.get("pipeline")}))


def _phase(kind, folder, database, package, options, tmp_folders):
    command = [sys.executable, str(Path(__file__).resolve()), "--phase", kind, "--folder", str(folder),
               "--database", database, "--package", str(package), "--options", json.dumps(options)]
    env = dict(os.environ, TMPDIR=str(tmp_folders[0]))
    if PURE:
        env["BACPAC_NATIVE"] = "0"
    seconds, watched, out = run_measured(command, [folder, *tmp_folders], env)
    result = json.loads(out.strip().splitlines()[-1])
    peak_child = max(result["childrenPeakRss"] or 0, int(watched["peakRssWorkerMB"] * MB))
    peak_self = max(result["selfPeakRss"] or 0, int(watched["peakRssPhaseProcessMB"] * MB))
    return {
        "seconds": round(seconds, 2), "cpuSeconds": watched["cpuSeconds"], "rows": result["rows"], "bcpBytes": result["bytes"],
        "packageBytes": result["packageBytes"],
        "rowsPerSecond": round(result["rows"] / seconds), "bcpMBPerSecond": round(result["bytes"] / MB / seconds, 1),
        "peakRssMainMB": round(peak_self / MB, 1), "peakRssWorkerMB": round(peak_child / MB, 1),
        "peakRssSumMB": watched["peakRssSumMB"], "peakPssSumMB": watched["peakPssSumMB"],
        "workerProcesses": watched["workerProcessesSeen"],
        "peakTempDiskMB": watched["peakTempDiskMB"], "pipeline": result.get("pipeline"),
    }


def native_modules():
    """{module: loaded?} of the compiled fast paths the phases will use (azext_bacpac/native)."""
    from azext_bacpac import native
    folder = Path(native.__file__).parent
    if PURE:
        return {path.stem: False for path in sorted(folder.glob("*.c"))}
    return {path.stem: native.module(path.stem) is not None for path in sorted(folder.glob("*.c"))}


# ---- baselines ------------------------------------------------------------------------------------

def sqlite3_cli():
    return shutil.which("sqlite3")


def baseline_dump(db, work):
    cli = sqlite3_cli()
    gz = work / "dump.sql.gz"
    cpu, started = _children_cpu(), time.monotonic()
    subprocess.run(["bash", "-c", f"set -o pipefail; '{cli}' '{db}' .dump | gzip -6 > '{gz}'"], check=True)
    dump_seconds, dump_cpu = time.monotonic() - started, _children_cpu() - cpu
    plain = work / "dump.sql"
    subprocess.run(["bash", "-c", f"gzip -dc '{gz}' > '{plain}'"], check=True)
    restored = work / "restored.db"
    if restored.exists():
        restored.unlink()
    cpu, started = _children_cpu(), time.monotonic()
    with open(plain, "rb") as source:
        subprocess.run([cli, str(restored)], stdin=source, check=True, stdout=subprocess.DEVNULL)
    restore_seconds, restore_cpu = time.monotonic() - started, _children_cpu() - cpu
    result = {"dumpGzipSeconds": round(dump_seconds, 2), "dumpGzipCpuSeconds": round(dump_cpu, 2),
              "dumpGzipBytes": gz.stat().st_size, "dumpSqlBytes": plain.stat().st_size,
              "restoreSeconds": round(restore_seconds, 2), "restoreCpuSeconds": round(restore_cpu, 2)}
    for path in (plain, restored, gz):
        path.unlink()
    return result


def baseline_deflate(package, level, library):
    """Raw deflate of the package's BCP bytes (read back out of the package, then timed alone)."""
    from azext_bacpac.format.package import PackageReader
    chunks = []
    with PackageReader(str(package)) as reader:
        for table in reader.tables:
            for _, parts in reader.raw_parts(table, chunk_size=4 * MiB):
                chunks.extend(parts)
    total = sum(map(len, chunks))
    results = {"bcpBytes": total}
    candidates = [("zlib", zlib, 6)]
    if library != "zlib" or level != 6:
        candidates.insert(0, (library, _deflate_module(library), level))
    for name, module, lvl in candidates:
        started = time.monotonic()
        compressor = module.compressobj(lvl, zlib.DEFLATED, -15)
        size = 0
        for chunk in chunks:
            size += len(compressor.compress(chunk))
        size += len(compressor.flush())
        seconds = time.monotonic() - started
        results[f"{name}-{lvl}"] = {"seconds": round(seconds, 2), "bytes": size,
                                    "MBPerSecond": round(total / MB / seconds, 1),
                                    "ratio": round(total / max(1, size), 2)}
    return results


def _deflate_module(library):
    if library == "zlib-ng":
        from zlib_ng import zlib_ng
        return zlib_ng
    if library == "isal":
        from isal import isal_zlib
        return isal_zlib
    return zlib


# ---- the run --------------------------------------------------------------------------------------

def measure_database(db_path, work, options, label, with_baselines):
    folder = work / "db"
    database = Path(db_path).stem
    package = work / "out" / f"{database}.bacpac"
    tmp = work / "tmp"
    tmp.mkdir(exist_ok=True)
    result = {"label": label, "databaseBytes": Path(db_path).stat().st_size}
    print(f"[{label}] export ...", flush=True)
    result["export"] = _phase("export", folder, database, package, options.get("export", {}), [tmp, work / "out"])
    result["export"]["packageBytes"] = package.stat().st_size
    target = work / "imported"
    target.mkdir(exist_ok=True)
    for stale in target.glob("*"):
        stale.unlink()
    print(f"[{label}] import ...", flush=True)
    result["import"] = _phase("import", target, database, package, options.get("import", {}), [tmp])
    if with_baselines:
        from azext_bacpac.format.deflate import check_level, deflate_library
        library = deflate_library(options.get("export", {}).get("compressor"))
        level = check_level(library, options.get("export", {}).get("compresslevel"))
        print(f"[{label}] baseline: raw deflate ({library} {level}, zlib 6) ...", flush=True)
        result["deflate"] = baseline_deflate(package, level, library)
        if sqlite3_cli():
            print(f"[{label}] baseline: sqlite3 .dump | gzip -6, restore ...", flush=True)
            result["sqlite3"] = baseline_dump(db_path, work)
        else:
            result["sqlite3"] = None
            print("sqlite3 CLI not found: the .dump baselines are skipped (apt-get install sqlite3)", file=sys.stderr)
    package.unlink()
    for stale in target.glob("*"):
        stale.unlink()
    return result


def print_table(results):
    def row(*cells):
        print("  ".join(str(c).ljust(w) for c, w in zip(cells, (30, 8, 8, 9, 9, 8, 9, 8, 8, 8))))
    for result in results:
        print()
        print(f"== {result['label']}: database {result['databaseBytes'] / MB:.0f} MB")
        row("step", "seconds", "cpu s", "rows/s", "BCP MB/s", "out MB", "RSS main", "RSS wkr", "RSS sum", "PSS sum")
        for phase in ("export", "import"):
            p = result[phase]
            row(phase, p["seconds"], p["cpuSeconds"], p["rowsPerSecond"], p["bcpMBPerSecond"],
                round(p["packageBytes"] / MB, 1) if phase == "export" else "", p["peakRssMainMB"],
                p["peakRssWorkerMB"], p["peakRssSumMB"], p["peakPssSumMB"])
        base = result.get("sqlite3")
        if base:
            row("sqlite3 .dump | gzip -6", base["dumpGzipSeconds"], base["dumpGzipCpuSeconds"], "", "",
                round(base["dumpGzipBytes"] / MB, 1))
            row("sqlite3 new.db < dump.sql", base["restoreSeconds"], base["restoreCpuSeconds"])
            row("  export / dump|gzip (wall)", round(result["export"]["seconds"] / base["dumpGzipSeconds"], 2),
                f"target <= {EXPORT_TARGET}")
            row("  import / restore (wall)", round(result["import"]["seconds"] / base["restoreSeconds"], 2),
                f"target <= {IMPORT_TARGET}")
        for key, value in (result.get("deflate") or {}).items():
            if isinstance(value, dict):
                row(f"raw deflate {key} (1 core)", value["seconds"], "", "", value["MBPerSecond"],
                    round(value["bytes"] / MB, 1))
        print(f"peak temp disk: export {result['export']['peakTempDiskMB']} MB (package included while it is written), "
              f"import {result['import']['peakTempDiskMB']} MB")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=float, default=330, help="database size to generate (MB)")
    parser.add_argument("--rows", type=int, default=3_500_000, help="rows to generate, all tables together")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--workers", type=int, help="export/import worker processes (default: cpu count)")
    parser.add_argument("--level", type=int, help="compression level (default: the pipeline's)")
    parser.add_argument("--compressor", choices=["zlib", "zlib-ng", "isal"], help="deflate library to use")
    parser.add_argument("--serial", action="store_true", help="use the one-process pipeline (for comparison)")
    parser.add_argument("--pure", action="store_true",
                        help="turn the compiled fast paths off (BACPAC_NATIVE=0): the pure-Python pipeline")
    parser.add_argument("--big", action="store_true",
                        help="also export/import a database with one ~2 GB table (--big-mb), and a ~100 MB one")
    parser.add_argument("--big-mb", type=float, default=2000)
    parser.add_argument("--skip-main", action="store_true", help="with --big: only the memory runs")
    parser.add_argument("--many-tables", type=int, nargs="*", metavar="N",
                        help="also export/import databases of N one-row tables (default 10000 50000), with the "
                             "sqlite3 .dump baselines (issue 17: under 60 s each, peak RSS under 300 MB)")
    parser.add_argument("--keep", help="work folder to use and keep (generated databases are reused)")
    # internal: one phase in this child process
    parser.add_argument("--phase", choices=["export", "import"], help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--package", help=argparse.SUPPRESS)
    parser.add_argument("--options", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        return phase_main(args)
    global PURE
    PURE = args.pure

    if not sqlite3_cli():
        print("NOTE: the sqlite3 command-line shell is missing, so the .dump baselines cannot run; install it "
              "(Debian/Ubuntu: apt-get install sqlite3) for a full run.", file=sys.stderr)
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bacpac-bench-"))
    (work / "db").mkdir(parents=True, exist_ok=True)
    (work / "out").mkdir(exist_ok=True)
    export_options, import_options = {}, {}
    if args.workers is not None:
        export_options["workers"] = import_options["workers"] = args.workers
    if args.serial:
        export_options["workers"] = import_options["workers"] = 0
    if args.level is not None:
        export_options["compresslevel"] = args.level
    if args.compressor:
        export_options["compressor"] = args.compressor
    options = {"export": export_options, "import": import_options}
    report = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                          "sqlite": __import__("sqlite3").sqlite_version,
                          "sqlite3Cli": sqlite3_cli(), "native": native_modules()},
              "options": options, "runs": []}
    try:
        if not args.skip_main:
            db = work / "db" / f"bench_{int(args.size_mb)}mb_{args.rows}r_s{args.seed}.sqlite"
            if not db.exists():
                print(f"generating {db.name} ...", flush=True)
                report["generated"] = generate(db, args.rows, args.size_mb, args.seed)
            report["runs"].append(measure_database(db, work, options, f"{db.stem}", with_baselines=True))
        if args.big:
            for size in (100, args.big_mb):
                db = work / "db" / f"big_{int(size)}mb_s{args.seed}.sqlite"
                if not db.exists():
                    print(f"generating {db.name} (one table) ...", flush=True)
                    generate_big(db, size, args.seed)
                report["runs"].append(measure_database(db, work, options, db.stem, with_baselines=False))
        for count in (args.many_tables or [10_000, 50_000]) if args.many_tables is not None else ():
            db = work / "db" / f"tables_{count}.sqlite"
            if not db.exists():
                print(f"generating {db.name} ({count} one-row tables) ...", flush=True)
                generate_many_tables(db, count)
            report["runs"].append(measure_database(db, work, options, db.stem, with_baselines=True))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print_table(report["runs"])
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(report, out, indent=2)
        print(f"\nJSON written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
