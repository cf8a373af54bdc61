"""The real packages in ../shared/vectors, as readable BACPAC streams.

Rule for the *-extracted and pharmavida folders (SOURCES.md): git stored their XML parts with LF
line ends; the originals were CRLF, and Origin.xml's checksum is over the CRLF bytes. They are
re-zipped here with every LF of every .xml/.rels part turned back into CRLF; .BCP files are copied
as they are.
"""
import io
import zipfile
from pathlib import Path

from tests.conftest import vectors_dir

ZIPPED = ["bacpactod-types/Test.bacpac", "amado/AmadoDB.bacpac", "wingtip/contosoconcerthall.bacpac",
          "wingtip/wingtipcatalogdb.bacpac", "wingtip/wingtiptenantdb.bacpac"]
EXTRACTED = ["unilinker-extracted", "gamerental-extracted", "pharmavida-model"]
ALL = ZIPPED + EXTRACTED
PART_ORDER = ["model.xml", "DacMetadata.xml", "[Content_Types].xml"]


def restore_crlf(data):
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def pack_extracted(folder):
    """A BACPAC (bytes) from an extracted package folder, in DacFx's entry order."""
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    data_names = [n for n in names if n.startswith("Data/")]
    order = [n for n in PART_ORDER if n in names] + data_names + [n for n in ("_rels/.rels", "Origin.xml") if n in names]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name in order:
            data = (folder / name).read_bytes()
            if not name.endswith(".BCP"):
                data = restore_crlf(data)
            method = zipfile.ZIP_STORED if name in ("_rels/.rels", "Origin.xml") else zipfile.ZIP_DEFLATED
            package.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), data, method)
    return out.getvalue()


def vector_bytes(name):
    path = vectors_dir() / name
    if path.is_dir():
        return pack_extracted(path)
    return path.read_bytes()


def vector_stream(name):
    return io.BytesIO(vector_bytes(name))


def expected_csv_dir():
    return vectors_dir() / "bacpactod-types" / "expected_csv"


def vector_path(name):
    return Path(vectors_dir() / name)


def import_vector(engine, name, vector):
    """A vector loaded into `engine` as database `name` through the engine's import target only
    (no pipeline: row batches straight from PackageReader)."""
    from azext_bacpac.format.package import PackageReader
    with PackageReader(io.BytesIO(vector_bytes(vector))) as reader:
        with engine.import_target(name) as target:
            target.create_schema(reader.model, reader.model.tables)
            for data in reader.tables:
                loader = target.table_loader(data.full_name)
                for rows in reader.row_batches(data):
                    loader.insert(rows)
            target.finish({"model.xml": reader.model_bytes})
            target.commit()
