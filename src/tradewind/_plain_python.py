"""Import Tradewind's modules from their ``.py`` source even where compiled ones sit beside
them (see ``tradewind/__init__.py``)."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType


class PlainPythonFinder(MetaPathFinder):
    """Finds ``tradewind.*`` modules by their ``.py`` file; anything else is left to the
    finders after it (packages, other libraries, C extensions of other projects)."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        if not fullname.startswith("tradewind.") or not path:
            return None
        leaf = fullname.rpartition(".")[2]
        for entry in path:
            source = os.path.join(entry, leaf + ".py")
            if os.path.isfile(source):
                return importlib.util.spec_from_file_location(fullname, source)
        return None


def prefer_python_source() -> None:
    """Put a ``PlainPythonFinder`` first on the import path (once)."""
    if not any(isinstance(finder, PlainPythonFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, PlainPythonFinder())
