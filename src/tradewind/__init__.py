"""Tradewind: a self-hosted crypto trading desk on one event-driven kernel.

Some modules are compiled with Cython at install time (setup.py). ``TRADEWIND_PURE_PYTHON=1``
in the environment makes this process import their plain Python source instead: for a
debugger, a profiler that reads Python lines, or a check that both behave the same.
"""

import os

__version__ = "0.1.0"

if os.environ.get("TRADEWIND_PURE_PYTHON"):
    from tradewind._plain_python import prefer_python_source

    prefer_python_source()
