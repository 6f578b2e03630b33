"""Print the name of this environment's benchmark folder, e.g. ``tf2.21.0-keras3.15.1-tensorflow``.

Benchmarks are stored per environment (``--benchmark-storage=file://.benchmarks/<name>``)
so that a baseline is only ever compared with runs of the same TensorFlow, Keras and
backend. Reads installed package metadata only: it does not import TensorFlow.
"""

from __future__ import annotations

import json
import os
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


def _version(*distributions: str) -> str | None:
    for name in distributions:
        try:
            return version(name)
        except PackageNotFoundError:
            continue
    return None


def backend() -> str:
    if os.environ.get("TF_USE_LEGACY_KERAS") == "1":
        return "tensorflow"
    if os.environ.get("KERAS_BACKEND"):
        return os.environ["KERAS_BACKEND"]
    config = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "keras.json"
    try:
        return str(json.loads(config.read_text(encoding="utf-8")).get("backend", "tensorflow"))
    except (OSError, ValueError):
        return "tensorflow"


def env_name() -> str:
    tf = _version("tensorflow", "tensorflow-cpu", "tf-nightly")
    legacy = os.environ.get("TF_USE_LEGACY_KERAS") == "1"
    keras = _version("tf-keras") if legacy else _version("keras")
    parts = [f"tf{tf}" if tf else "notf", f"{'tfkeras' if legacy else 'keras'}{keras}", backend()]
    return "-".join(parts)


if __name__ == "__main__":
    print(env_name())
