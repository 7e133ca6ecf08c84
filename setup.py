"""Build hook: compiles the hottest pure-Python modules with Cython when it can.

The modules named in pyproject.toml (``[tool.tradewind] compiled-modules``) stay ordinary
Python: each ``.py`` file is the source, and the ``.pxd`` file beside it only declares C types
for it. Compiled, the simulated exchange's matching engine does about a quarter more
operations per second (docs/performance.md). Without Cython or a C compiler the build goes on
and installs the same modules as plain Python, only slower; ``TRADEWIND_PURE_PYTHON=1`` skips
compiling on purpose. ``tests/venues/sim/engine/test_compiled_engine.py`` checks that both give
the same results and, under CI, that the compiled modules are the ones in use.
"""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).parent


def compiled_modules() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    modules: list[str] = config["tool"]["tradewind"]["compiled-modules"]
    return modules


class OptionalBuildExt(build_ext):
    """A module that fails to compile is installed as plain Python, with a warning."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # no compiler at all: keep the pure install
            self._warn(f"compiling skipped ({exc}); the modules run as plain Python")

    def build_extension(self, ext: Extension) -> None:
        try:
            super().build_extension(ext)
        except Exception as exc:  # one module left uncompiled still works
            self._warn(f"{ext.name} not compiled ({exc}); it runs as plain Python")

    @staticmethod
    def _warn(message: str) -> None:
        print(f"WARNING: tradewind: {message}", file=sys.stderr)


def extensions() -> list[Extension]:
    if os.environ.get("TRADEWIND_PURE_PYTHON"):
        return []
    try:
        from Cython.Build import cythonize
    except ImportError:
        print("WARNING: tradewind: Cython not found; installing plain Python", file=sys.stderr)
        return []
    modules = [Extension(name, [f"src/{name.replace('.', '/')}.py"]) for name in compiled_modules()]
    return cythonize(
        modules,
        build_dir="build/cython",
        include_path=["src"],
        quiet=True,
        compiler_directives={
            "language_level": "3",
            # The annotations are for mypy; Cython would also enforce them at run time and
            # refuse str subclasses such as the engine's enums.
            "annotation_typing": False,
        },
    )


setup(ext_modules=extensions(), cmdclass={"build_ext": OptionalBuildExt})
