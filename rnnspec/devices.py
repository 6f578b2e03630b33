"""The device axis: which devices exist here, and how to place a case on one.

``cpu`` and ``gpu`` are the names used in tables and ids; each is mapped to a concrete
device of the running backend (``cpu:0``, ``gpu:0``). The mapping can be overridden
(``--rnnspec-device-map gpu=cpu:1``) so that the machinery is tested on a CPU split into
logical devices, which is how the self-tests exercise it on machines without a GPU.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from rnnspec.kerasapi import backend_name, device_names, device_scope, gpu_names


def resolve_devices(overrides: Mapping[str, str]) -> dict[str, str | None]:
    """Table device name -> concrete device string, or None when absent here."""
    # On torch, "cpu:0" is not the device torch's CPU tensors report ("cpu"): Keras 3.15's
    # torch Variable then moves each new parameter with .to("cpu:0"), which returns a plain
    # tensor, and the layer's integer seed-generator state fails as a Parameter ("Only
    # Tensors of floating point and complex dtype can require gradients") in every build.
    cpu = "cpu" if backend_name() == "torch" else "cpu:0"
    found: dict[str, str | None] = {"cpu": cpu, "gpu": "gpu:0" if gpu_names() else None}
    found.update(overrides)
    return found


def unknown_targets(overrides: Mapping[str, str]) -> dict[str, str]:
    """The overrides (name -> device) that name a device the backend does not list here."""
    listed = set(device_names())
    return {name: target for name, target in overrides.items() if target.lower().removeprefix("/device:") not in listed}


@contextlib.contextmanager
def on_device(device: str) -> Iterator[None]:
    """Place everything built and computed inside on the given concrete device."""
    with device_scope(device):
        yield


def placed_on(tensor: Any) -> str | None:
    """Where a returned tensor actually lives, as the backend names it."""
    device = getattr(tensor, "device", None)
    if device is None:
        return None
    if callable(device):  # jax arrays: .device is a method in older jax
        device = device()
    return str(device)


def split_cpu_for_tests(count: int = 2) -> None:
    """Split the TensorFlow CPU into logical devices (must run before TF initialises)."""
    import tensorflow as tf

    cpus = tf.config.list_physical_devices("CPU")
    tf.config.set_logical_device_configuration(cpus[0], [tf.config.LogicalDeviceConfiguration() for _ in range(count)])
