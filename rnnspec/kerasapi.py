"""The one place that imports Keras and learns which Keras, backend and versions we run.

Keras 3 (``keras``) is preferred; with ``TF_USE_LEGACY_KERAS=1`` we use Keras 2 through
``tf_keras`` exactly as TensorFlow itself would. Everything else imports Keras from here.
"""

from __future__ import annotations

import os
import platform
import sys
from functools import cache
from typing import Any

# TensorFlow's C++ start-up chatter (CPU feature notes) would bury pytest's output.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

if os.environ.get("TF_USE_LEGACY_KERAS") == "1":  # pragma: no cover - exercised in tox envs
    import tf_keras as keras
else:
    import keras

__all__ = ["backend_name", "keras", "keras_major", "versions"]


def backend_name() -> str:
    """tensorflow, jax or torch (Keras 2 is always tensorflow)."""
    backend = getattr(keras, "backend", None)
    name = getattr(backend, "backend", None)
    return str(name()) if callable(name) else "tensorflow"


def keras_major() -> int:
    return int(str(keras.__version__).split(".")[0])


@cache
def versions() -> dict[str, Any]:
    """Versions that results depend on; recorded with every result and in every report."""
    import numpy

    info: dict[str, Any] = {
        "python": platform.python_version(),
        "python_minor": f"{sys.version_info.major}.{sys.version_info.minor}",
        "numpy": numpy.__version__,
        "keras": str(keras.__version__),
        "backend": backend_name(),
        "tensorflow": None,
    }
    try:
        import tensorflow as tf

        info["tensorflow"] = str(tf.__version__)
    except ImportError:  # JAX or torch backend without TensorFlow
        pass
    if info["backend"] == "jax":
        import jax

        info["jax"] = str(jax.__version__)
    if info["backend"] == "torch":
        import torch

        info["torch"] = str(torch.__version__)  # TorchVersion: xdist cannot send it
    return info
