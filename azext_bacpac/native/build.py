"""Build the compiled fast paths in place, for the Python that runs this file.

The extension's wheel is pure Python (py3-none-any: it installs into any az), and carries the C
sources beside this file. Run this with az's own Python to compile them where the extension is
installed, e.g. for az from a Debian/RPM package:

    /opt/az/bin/python3 ~/.azure/cliextensions/bacpac/azext_bacpac/native/build.py

It needs a C compiler, that Python's headers and SQLite's (Debian: build-essential python3-dev
libsqlite3-dev). Nothing else changes: without the modules the pure-Python paths run, with them
exports and imports of SQLite databases are several times faster. Exit status 0 when every module
built and loads, 1 otherwise (with the compiler's messages).
"""
import importlib.machinery
import importlib.util
import os
import shlex
import subprocess
import sys
import sysconfig

FOLDER = os.path.dirname(os.path.abspath(__file__))
FLAGS = ["-O2", "-std=c99", "-fPIC", "-Wall"]


def sources(folder=FOLDER):
    return sorted(os.path.join(folder, name) for name in os.listdir(folder) if name.endswith(".c"))


def command(source, target):
    """The compile-and-link command of one module, from this Python's own build settings."""
    link = shlex.split(sysconfig.get_config_var("LDSHARED") or "cc -shared")
    includes = {sysconfig.get_paths()["include"], sysconfig.get_paths()["platinclude"]}
    return [*link, *FLAGS, *(f"-I{path}" for path in sorted(includes)), source, "-o", target, "-lsqlite3"]


def loads(name, path):
    """Whether the built file loads as module azext_bacpac.native.<name> (its checks included)."""
    spec = importlib.util.spec_from_file_location(f"azext_bacpac.native.{name}", path,
                                                  loader=importlib.machinery.ExtensionFileLoader(
                                                      f"azext_bacpac.native.{name}", path))
    try:
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
    except ImportError as error:
        return str(error)
    return None


def build(folder=FOLDER, out=sys.stdout):
    """Compile every module of `folder` in place; True when all built and load."""
    suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
    ok = True
    for source in sources(folder):
        name = os.path.basename(source)[:-2]
        target = os.path.join(folder, name + suffix)
        partial = target + ".part"
        result = subprocess.run(command(source, partial), capture_output=True, text=True, check=False)
        if result.returncode != 0:
            ok = False
            print(f"{name}: the compiler failed:\n{result.stderr.strip()}", file=out)
            _remove(partial)
            continue
        os.replace(partial, target)       # a half-written module is never left under its real name
        problem = loads(name, target)
        if problem:
            ok = False
            print(f"{name}: built but does not load: {problem}", file=out)
        else:
            print(f"{name}: {target}", file=out)
    return ok


def _remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


if __name__ == "__main__":
    sys.exit(0 if build() else 1)
