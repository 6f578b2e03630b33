"""The one place that imports Keras and learns which Keras, backend and versions we run.

Keras 3 (``keras``) is preferred; with ``TF_USE_LEGACY_KERAS=1`` we use Keras 2 through
``tf_keras`` exactly as TensorFlow itself would. Everything else imports Keras from here,
and every difference between Keras 2 and 3 (or between backends) that the runner meets is a
small named function here: :func:`to_tensor_mask`, :func:`as_initial_state`,
:func:`to_numpy`, :func:`accepts_signature_kwargs`.
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

import numpy as np

__all__ = [
    "accepts_signature_kwargs",
    "as_initial_state",
    "backend_name",
    "keras",
    "keras_major",
    "to_numpy",
    "to_tensor_mask",
    "versions",
]


def backend_name() -> str:
    """tensorflow, jax or torch (Keras 2 is always tensorflow)."""
    backend = getattr(keras, "backend", None)
    name = getattr(backend, "backend", None)
    return str(name()) if callable(name) else "tensorflow"


def keras_major() -> int:
    return int(str(keras.__version__).split(".")[0])


def _has_ops() -> bool:
    """Keras 3 has ``keras.ops`` (backend-neutral tensors); Keras 2 works on TensorFlow's."""
    return hasattr(keras, "ops")


def to_tensor_mask(mask: np.ndarray) -> Any:
    """A boolean mask (or any array a model call takes) as a call takes it: a backend tensor
    in Keras 3, as is in Keras 2."""
    return keras.ops.convert_to_tensor(mask) if _has_ops() else mask


def as_initial_state(states: Any) -> list[Any]:
    """Initial states as a list: Keras 3 takes NumPy arrays; Keras 2 rejects them, so there
    every leaf (stacked cells nest a list per cell) becomes a TensorFlow tensor."""
    if _has_ops():
        return list(states)
    import tensorflow as tf

    converted: list[Any] = tf.nest.map_structure(tf.convert_to_tensor, list(states))
    return converted


def to_numpy(value: Any) -> Any:
    """Returned tensors as float64 NumPy arrays, containers (lists, tuples) kept."""
    if isinstance(value, list):
        return [to_numpy(v) for v in value]
    if isinstance(value, tuple):
        return tuple(to_numpy(v) for v in value)
    array = keras.ops.convert_to_numpy(value) if _has_ops() else value.numpy()
    return np.asarray(array).astype(np.float64)


def accepts_signature_kwargs() -> bool:
    """Whether a layer's constructor signatures (through ``**kwargs`` up the MRO) list every
    argument it accepts. Keras 2 takes some documented arguments through ``**kwargs`` only
    (``RNN.__init__`` pops ``zero_output_for_mask`` from them), so its signatures cannot say."""
    return keras_major() >= 3


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


def gpu_names() -> list[str]:
    """The GPUs the backend sees, by name."""
    backend = backend_name()
    if backend == "tensorflow":
        import tensorflow as tf

        return [d.name for d in tf.config.list_logical_devices("GPU")]
    if backend == "jax":
        import jax

        try:
            return [str(d) for d in jax.devices("gpu")]
        except RuntimeError:
            return []
    if backend == "torch":
        import torch

        return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    return []


def device_names() -> list[str]:
    """Every device the backend lists here, lower case as Keras names them: cpu:0, gpu:0."""
    backend = backend_name()
    if backend == "tensorflow":
        import tensorflow as tf

        return [d.name.replace("/device:", "").lower() for d in tf.config.list_logical_devices()]
    if backend == "jax":
        import jax

        return [f"{d.platform.replace('cuda', 'gpu')}:{d.id}" for d in jax.devices()] + ["cpu:0"]
    if backend == "torch":
        import torch

        return ["cpu", "cpu:0", *(f"{kind}:{i}" for i in range(torch.cuda.device_count()) for kind in ("gpu", "cuda"))]
    return []


def gpu_description() -> str | None:
    """The first GPU's name, for reports; None when the backend sees no GPU."""
    backend = backend_name()
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if not gpus:
            return None
        details = tf.config.experimental.get_device_details(gpus[0])
        return str(details.get("device_name", gpus[0].name))
    names = gpu_names()
    return names[0] if names else None


def device_scope(device: str) -> Any:
    """The context that places what is built and computed inside on ``device`` ("cpu:0")."""
    if hasattr(keras, "device"):
        return keras.device(device)
    import tensorflow as tf  # Keras 2 has no keras.device

    return tf.device(device.upper())


def returned_mask(tensor: Any) -> Any:
    """The mask Keras attached to a returned tensor (eager or symbolic), or None.

    Keras 3.6+ reads it with ``backend.get_keras_mask`` (a tensor attribute, ``_keras_mask``,
    on every backend); earlier Keras 3 and Keras 2 set the ``_keras_mask`` attribute directly.
    """
    getter = getattr(getattr(keras, "src", None), "backend", None)
    getter = getattr(getter, "get_keras_mask", None)
    if callable(getter):
        return getter(tensor)
    return getattr(tensor, "_keras_mask", None)


def symbolic_input(shape: tuple[int | None, ...], dtype: str = "float32") -> Any:
    """A ``keras.Input`` of the full shape (batch first; None where unknown)."""
    return keras.Input(shape=shape[1:], batch_size=shape[0], dtype=dtype)


def output_shapes(layer: Any, input_shape: tuple[int | None, ...]) -> Any:
    """``layer.compute_output_shape(input_shape)`` as Keras returns it (tuples of dims, nested)."""
    return layer.compute_output_shape(input_shape)


def jit_compile_supported() -> bool:
    """Whether ``model.compile(jit_compile=True)`` compiles here: JAX always, TensorFlow with
    XLA (on CPU too); torch's ``jit_compile`` is torch.compile, not what this mode checks."""
    return backend_name() in ("tensorflow", "jax")


def model_predict(model: Any, feed: list[Any]) -> Any:
    """``model.predict`` on the whole batch at once, quietly."""
    return model.predict(list(feed), verbose=0, batch_size=len(feed[0]))
