"""Compare what the tables found across TensorFlow, Keras and backend versions.

The version matrix (``tox.ini``) runs the same tables in many environments. Each run's
results.json is condensed into ``reports/compat/<env>.json``, and the committed files are
merged into ``reports/compat.md``. One module per job, imported in this order (no module
imports one listed after it):

- ``digest``: the digest of the tables a run read;
- ``condensed``: the condensed file's format (versions 1 to 3) and its reader;
- ``environments``: the manifest (environment order, series, bases) and the folder of files;
- ``condense``: results.json -> the condensed document;
- ``compare``: what differs for one contract point between two environments;
- ``page``: Markdown helpers and the index of contract points the page walks;
- ``steps``: each environment against its base (the previous one of its series);
- ``stale``: which environments ran other tables than the current ones;
- ``sections``: the page's change tables and what the next release changes;
- ``heatmap``: the picture that opens the page, and its data;
- ``report``: the page, reports/compat.md;
- ``when``: one point's history across the environments;
- ``__main__``: the command line, ``python -m rnnspec.compat condense|render|stale|when``.

Nothing here imports Keras; only drawing the picture imports matplotlib. The names below are the
package's public interface.
"""

from __future__ import annotations

from rnnspec.compat.condense import condense, condense_file, short
from rnnspec.compat.condensed import FORMAT, CompatError, Environment, Point, dump_condensed, load_environment
from rnnspec.compat.digest import tables_digest
from rnnspec.compat.environments import MANIFEST, load_directory, load_matrix, read_entries, read_manifest
from rnnspec.compat.report import RENDER_COMMAND, render, render_directory, render_matrix

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
    "load_matrix",
    "read_entries",
    "read_manifest",
    "render",
    "render_directory",
    "render_matrix",
    "short",
    "tables_digest",
]
