"""Versions of the installed stack read from package metadata, without importing it.

Under ``pytest -n`` the controller process runs no case; importing TensorFlow there only to
print a header would cost every run seconds of start-up and a core's worth of memory
bandwidth while the workers start. The workers, which do import Keras, report the exact
versions and devices for the reports (rnnspec/plugins/session.py, ``workeroutput``).
"""

from __future__ import annotations

import os
from importlib import metadata


def _version(*names: str) -> str | None:
    for name in names:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None


def installed_versions() -> dict[str, str | None]:
    legacy = os.environ.get("TF_USE_LEGACY_KERAS") == "1"
    return {
        "keras": _version("tf_keras", "tf-keras") if legacy else _version("keras"),
        "backend": "tensorflow" if legacy else os.environ.get("KERAS_BACKEND", "tensorflow"),
        "tensorflow": _version("tensorflow", "tensorflow-cpu"),
        "numpy": _version("numpy"),
    }
