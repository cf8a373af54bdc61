"""Raw deflate for ZIP members, with the fastest library that is installed.

ISA-L (`pip install isal`, module isal.isal_zlib) and zlib-ng (`pip install zlib-ng`, module
zlib_ng.zlib_ng) write ordinary deflate streams that any ZIP reader accepts, two to five times
faster than the standard library's zlib; either is optional and the standard library is the
fallback. Libraries are imported on first use, never at module import.

Levels: zlib-ng and zlib take 0-9, ISA-L 0-3. The default for each library (DEFAULT_LEVELS) keeps
the compression ratio within ~8 % of stdlib zlib level 6 while being 3-20 times faster.
"""
import zlib

LIBRARIES = ("isal", "zlib-ng", "zlib")      # preference order
# Measured on 84 MB of the benchmark's BCP (ratio, MB/s of one core): zlib 6 2.46 27; isal 2 2.28 595;
# zlib-ng 4 2.38 96 (zlib-ng 2: 2.27 182). See scripts/BENCH.md.
DEFAULT_LEVELS = {"isal": 2, "zlib-ng": 4, "zlib": 6}
MAX_LEVELS = {"zlib-ng": 9, "isal": 3, "zlib": 9}
_modules = {}


def _load(name):
    if name in _modules:
        return _modules[name]
    module = None
    try:
        if name == "zlib-ng":
            from zlib_ng import zlib_ng as module
        elif name == "isal":
            from isal import isal_zlib as module
        elif name == "zlib":
            module = zlib
    except ImportError:
        module = None
    _modules[name] = module
    return module


def available_libraries():
    return [name for name in LIBRARIES if _load(name) is not None]


def deflate_library(preferred=None):
    """The library to use: `preferred` when given and installed (ValueError when unknown), else the
    first installed of LIBRARIES."""
    if preferred:
        if preferred not in LIBRARIES:
            raise ValueError(f"unknown deflate library {preferred!r} (choose from {', '.join(LIBRARIES)})")
        if _load(preferred) is not None:
            return preferred
    return next(name for name in LIBRARIES if _load(name) is not None)


def check_level(library, level):
    """The level to use with `library` (its default for None); ValueError when out of range."""
    if level is None:
        return DEFAULT_LEVELS[library]
    if not isinstance(level, int) or not 0 <= level <= MAX_LEVELS[library]:
        raise ValueError(f"compression level {level!r} is out of range for {library} (0-{MAX_LEVELS[library]})")
    return level


class RawDeflater:
    """Compresses one ZIP member's data as a raw deflate stream, tracking CRC-32 and sizes.

    write() returns the compressed bytes produced so far (often empty); finish() the rest.
    """

    def __init__(self, library="zlib", level=None):
        self.library = library
        module = _load(library)
        if module is None:
            raise ValueError(f"deflate library {library!r} is not installed")
        self.level = check_level(library, level)
        self._compressor = module.compressobj(self.level, zlib.DEFLATED, -15)
        self._crc32 = module.crc32
        self.crc = 0
        self.size = 0
        self.compressed_size = 0

    def write(self, data):
        self.crc = self._crc32(data, self.crc)
        self.size += len(data)
        out = self._compressor.compress(data)
        self.compressed_size += len(out)
        return out

    def finish(self):
        out = self._compressor.flush()
        self.compressed_size += len(out)
        return out


def deflate_bytes(data, library="zlib", level=None):
    """(compressed bytes, crc32, size) of a whole small member."""
    deflater = RawDeflater(library, level)
    out = deflater.write(data) + deflater.finish()
    return out, deflater.crc, deflater.size
