#!/usr/bin/env python3
"""Benchmark: stream-export a ~500 MB BACPAC to Azure Blob Storage (Azurite on 127.0.0.1), then
stream-import it back, measuring what the process keeps on local disk and in memory.

    .venv/bin/python scripts/bench_blob.py [--mb 500] [--block-mib 8] [--in-flight 4] [--no-import]

Rows of a BCP-like table (bigint, nvarchar, int, varbinary with half random bytes) go through
PackageWriter into open_blob_writer(); nothing is written to local disk. Measured:
- peak bytes in this process's temp folder (TMPDIR points at an empty folder, sampled every 50 ms),
- bytes this process made the kernel write to storage (/proc/self/io write_bytes),
- peak RSS (VmHWM, reset before each phase when the kernel allows it; else since start),
- time and throughput.
Azurite runs in a separate process with its own --location (deleted afterwards); its disk use is
the "remote" side and is not counted. The target: peak local disk < 64 MB (expected: ~0).
Prints a summary and, last, one JSON line.
"""
import argparse
import json
import os
import random
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))
from bench import _dir_bytes  # noqa: E402  (the same disk measure as the main benchmark)

MB = 1_000_000
MiB = 1 << 20


def proc_status(field):
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def reset_peak_rss():
    """Reset VmHWM to the current RSS (Linux: write 5 to /proc/self/clear_refs). True if it worked."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def write_bytes():
    try:
        with open("/proc/self/io", encoding="ascii") as io_file:
            for line in io_file:
                if line.startswith("write_bytes:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def tree_size(folder):
    return _dir_bytes([folder])      # disk blocks used below a folder, as bench.py measures it


class DiskWatch:
    """Samples the size of a folder tree in the background; keeps the peak."""

    def __init__(self, folder, interval=0.05):
        self.folder, self.interval = folder, interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_size(self.folder))
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *_):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, tree_size(self.folder))


class Phase:
    """Time, peak RSS, disk written and temp-folder peak of one phase."""

    def __init__(self, name, temp_folder):
        self.name, self.temp_folder = name, temp_folder
        self.result = {}

    def __enter__(self):
        self.rss_reset = reset_peak_rss()
        self.rss_before = proc_status("VmRSS")
        self.written_before = write_bytes()
        self.watch = DiskWatch(self.temp_folder).__enter__()
        self.started = time.perf_counter()
        return self

    def __exit__(self, *_):
        seconds = time.perf_counter() - self.started
        self.watch.__exit__()
        written_after = write_bytes()
        self.result = {
            "seconds": round(seconds, 2),
            "peak_temp_dir_bytes": self.watch.peak,
            "disk_write_bytes": (written_after - self.written_before) if written_after is not None else None,
            "rss_before_bytes": self.rss_before,
            "peak_rss_bytes": proc_status("VmHWM"),
            "peak_rss_is_phase_only": self.rss_reset,
            "ru_maxrss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        }


def bench_model():
    from azext_bacpac.format import Column, Model, SqlType, Table
    model = Model()
    model.add(Table("dbo", "Orders", [
        Column("Id", SqlType("bigint"), nullable=False),
        Column("Customer", SqlType("nvarchar", length=60)),
        Column("Quantity", SqlType("int")),
        Column("Payload", SqlType("varbinary", length=1000)),
    ]))
    return model


def rows(target_bytes, seed=11):
    """BCP-like rows until ~target_bytes of BCP data: ~850 bytes each, about half compressible."""
    generator = random.Random(seed)
    pool = [os.urandom(400) for _ in range(2048)]      # 800 KB of noise: more than deflate's window
    filler = bytes(range(256)) + bytes(144)
    row_bytes = 8 + 2 + 2 * len("customer 00000000") + 4 + 2 + 800
    for number in range(target_bytes // row_bytes + 1):
        yield (number, f"customer {number:08d}", generator.randrange(1000),
               pool[number & 2047] + filler)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=500, help="BCP data to generate, in MB (default 500)")
    parser.add_argument("--block-mib", type=int, default=8, help="block size in MiB (default 8)")
    parser.add_argument("--in-flight", type=int, default=4, help="blocks staged at once (default 4)")
    parser.add_argument("--compresslevel", type=int, default=1, help="deflate level (default 1)")
    parser.add_argument("--no-import", action="store_true", help="skip reading the blob back")
    parser.add_argument("--raw", action="store_true",
                        help="also time a raw upload/download of --mb MB of random bytes (no package, no codec)")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="bench_blob_"))
    temp_folder = scratch / "tmp"                       # this process's TMPDIR: should stay empty
    temp_folder.mkdir()
    os.environ["TMPDIR"] = str(temp_folder)
    tempfile.tempdir = str(temp_folder)

    from tests.storage.azurite import ACCOUNT_KEY, AzuriteServer
    from azext_bacpac.format import PackageReader, PackageWriter
    from azext_bacpac.storage.blob import open_blob_reader, open_blob_writer

    report = {"bcp_target_bytes": args.mb * MB, "block_size": args.block_mib * MiB, "in_flight": args.in_flight,
              "compresslevel": args.compresslevel}
    try:
        with AzuriteServer(scratch / "azurite") as server:
            container = server.new_container("bench")
            url = server.url(container, "bench.bacpac")
            with Phase("export", temp_folder) as phase:
                with open_blob_writer(url, "StorageAccessKey", ACCOUNT_KEY, block_size=args.block_mib * MiB,
                                      max_in_flight=args.in_flight) as target:
                    with PackageWriter(target, bench_model(), "Bench", compresslevel=args.compresslevel) as package:
                        with package.table_writer("dbo", "Orders") as table:
                            for row in rows(args.mb * MB):
                                table.write_row(row)
                        bcp_bytes, row_count = table.bytes, table.rows
                    committed = target.commit()
            export = dict(phase.result, bcp_bytes=bcp_bytes, rows=row_count, blob_bytes=committed["size"],
                          blocks=committed["blocks"])
            export["bcp_mb_per_s"] = round(bcp_bytes / MB / export["seconds"], 1)
            export["blob_mb_per_s"] = round(committed["size"] / MB / export["seconds"], 1)
            report["export"] = export

            if not args.no_import:
                with Phase("import", temp_folder) as phase:
                    with open_blob_reader(url, "StorageAccessKey", ACCOUNT_KEY) as source:
                        with PackageReader(source) as package:
                            opened = source.raw.bytes_downloaded
                            counted = package.count_rows(package.table("dbo.Orders"))
                        downloaded, requests = source.raw.bytes_downloaded, source.raw.requests
                assert counted == row_count, (counted, row_count)
                report["import"] = dict(phase.result, rows=counted, bytes_downloaded=downloaded,
                                        bytes_to_open_package=opened, get_requests=requests,
                                        bcp_mb_per_s=round(bcp_bytes / MB / phase.result["seconds"], 1))

            if args.raw:
                report["raw"] = raw_transfer(server, container, args, temp_folder)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    print_report(report)
    print(json.dumps(report, sort_keys=True))
    phases = [report.get("export"), report.get("import")] + list((report.get("raw") or {}).get(k) for k in
                                                                ("upload", "download"))
    worst_disk = max(p["peak_temp_dir_bytes"] for p in phases if p)
    return 0 if worst_disk < 64 * MiB else 1


def raw_transfer(server, container, args, temp_folder):
    """Upload and download random bytes through the writer and reader alone: the storage path's speed."""
    from tests.storage.azurite import ACCOUNT_KEY
    from azext_bacpac.storage.blob import open_blob_reader, open_blob_writer
    url = server.url(container, "raw.bin")
    chunk = os.urandom(MiB)
    total = args.mb * MB // MiB * MiB
    with Phase("raw-upload", temp_folder) as upload:
        with open_blob_writer(url, "StorageAccessKey", ACCOUNT_KEY, block_size=args.block_mib * MiB,
                              max_in_flight=args.in_flight) as target:
            for _ in range(total // MiB):
                target.write(chunk)
            target.commit()
    with Phase("raw-download", temp_folder) as download:
        with open_blob_reader(url, "StorageAccessKey", ACCOUNT_KEY) as source:
            received = 0
            while True:
                data = source.read(MiB)
                if not data:
                    break
                received += len(data)
    assert received == total
    return {"bytes": total,
            "upload": dict(upload.result, mb_per_s=round(total / MB / upload.result["seconds"], 1)),
            "download": dict(download.result, mb_per_s=round(total / MB / download.result["seconds"], 1))}


def print_report(report):
    def mb(value):
        return "n/a" if value is None else f"{value / MiB:.1f} MiB"

    export = report["export"]
    print(f"export: {export['rows']:,} rows, {export['bcp_bytes'] / MB:.0f} MB of BCP data -> "
          f"{export['blob_bytes'] / MB:.0f} MB blob in {export['blocks']} blocks, {export['seconds']} s "
          f"({export['bcp_mb_per_s']} MB/s of BCP, {export['blob_mb_per_s']} MB/s to storage)")
    for name in ("export", "import"):
        phase = report.get(name)
        if not phase:
            continue
        scope = "this phase" if phase["peak_rss_is_phase_only"] else "since start"
        print(f"{name}: peak temp-dir {mb(phase['peak_temp_dir_bytes'])}, disk writes {mb(phase['disk_write_bytes'])}, "
              f"RSS {mb(phase['rss_before_bytes'])} before, peak {mb(phase['peak_rss_bytes'])} ({scope}), "
              f"ru_maxrss {mb(phase['ru_maxrss_bytes'])}")
    if "import" in report:
        imp = report["import"]
        print(f"import: {imp['rows']:,} rows decoded in {imp['seconds']} s ({imp['bcp_mb_per_s']} MB/s of BCP); "
              f"{imp['get_requests']} GETs, {imp['bytes_downloaded'] / MB:.0f} MB downloaded, "
              f"{imp['bytes_to_open_package'] / 1024:.0f} KiB to open the package")
    if "raw" in report:
        raw = report["raw"]
        print(f"raw: {raw['bytes'] / MB:.0f} MB upload {raw['upload']['mb_per_s']} MB/s "
              f"(peak RSS {mb(raw['upload']['peak_rss_bytes'])}), download {raw['download']['mb_per_s']} MB/s "
              f"(peak RSS {mb(raw['download']['peak_rss_bytes'])}); peak temp-dir "
              f"{mb(max(raw['upload']['peak_temp_dir_bytes'], raw['download']['peak_temp_dir_bytes']))}")


if __name__ == "__main__":
    sys.exit(main())
