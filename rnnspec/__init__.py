"""rnnspec: an executable specification of what Keras recurrent layers return.

The YAML tables under ``spec/`` say what each layer x flag combination returns; the pytest
plugin in this package builds every combination on every device and proves it.
"""

from __future__ import annotations

from pathlib import PurePath

__version__ = "0.1.0"

#: How much of each table a run takes (``--rnnspec-depth``): the default narrows what a file
#: lists under ``standard``. Here, not in rnnspec.spec, so that the option and the benchmark
#: script read it without importing Keras.
DEPTHS = ("standard", "exhaustive")

# The names below are here for the same reason: the plugin reads them in every pytest run,
# spec tables or not, and must not pay for YAML, the table modules or Keras to do so.

#: The devices a case can name; per-device expectations (tolerance, xfail) are data in the tables.
DEVICES = ("cpu", "gpu")

TABLE_SUFFIXES = (".yaml", ".yml")
#: The file of a folder of tables that every table in it inherits (rnnspec/inherit.py).
SUITE_FILE = "_suite.yaml"

#: How the symbolic call-mode relation (rnnspec/callmodes.py) says what the call on
#: ``keras.Input`` returned where that differs from the row: contract.md (rnnspec/reports.py,
#: which imports only the standard library) shows it beside the eager structure.
SYMBOLIC_RETURNED = "on keras.Input returned "


def is_table_file(path: PurePath) -> bool:
    """Whether rnnspec collects cases from this file: YAML, and not a suite or a fragment
    (``_*.yaml``, read through the tables that inherit it)."""
    return path.suffix in TABLE_SUFFIXES and not path.name.startswith("_")
