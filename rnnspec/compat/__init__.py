"""Compare what the tables found across TensorFlow, Keras and backend versions.

The version matrix (``tox.ini``) runs the same tables in many environments. Each run's
results.json is condensed into ``reports/compat/<env>.json``, and the committed files are
merged into ``reports/compat.md``. One module per job, imported in this order (no module
imports one listed after it):

- ``condensed``: the condensed file's format (versions 1 and 2) and its reader;
- ``environments``: the manifest (environment order) and the folder of condensed files;
- ``condense``: results.json -> the condensed document;
- ``compare``: what differs for one contract point between two environments;
- ``page``: Markdown helpers and the index of contract points the page walks;
- ``pairs``: the page's sections comparing consecutive environments;
- ``report``: the page, reports/compat.md;
- ``__main__``: the command line, ``python -m rnnspec.compat condense|render``.

Nothing here imports Keras, so it runs anywhere in a second. The names below are the
package's public interface.
"""

from __future__ import annotations

from rnnspec.compat.condense import condense, condense_file, short
from rnnspec.compat.condensed import FORMAT, CompatError, Environment, Point, dump_condensed, load_environment
from rnnspec.compat.environments import MANIFEST, load_directory, read_manifest
from rnnspec.compat.report import RENDER_COMMAND, render, render_directory

__all__ = [
    "FORMAT",
    "MANIFEST",
    "RENDER_COMMAND",
    "CompatError",
    "Environment",
    "Point",
    "condense",
    "condense_file",
    "dump_condensed",
    "load_directory",
    "load_environment",
    "read_manifest",
    "render",
    "render_directory",
    "short",
]
