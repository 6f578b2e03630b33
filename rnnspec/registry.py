"""Which layer and cell classes a spec may name: an allowlist, never an import path.

The allowlist is every Layer subclass exported by ``keras.layers`` plus the classes that a
``conftest.py`` or plugin registers through the ``pytest_rnnspec_register_layers`` hook. A spec
names a class; it can never name a module, a file or code to run.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rnnspec.kerasapi import accepts_signature_kwargs, keras


@dataclass
class LayerRegistry:
    """Classes that specs may build, and optional NumPy references for custom ones."""

    classes: dict[str, type] = field(default_factory=dict)
    references: dict[str, Callable[..., Any]] = field(default_factory=dict)

    def register(self, cls: type, name: str | None = None, reference: Callable[..., Any] | None = None) -> None:
        key = name or cls.__name__
        self.classes[key] = cls
        if reference is not None:
            self.references[key] = reference

    def get(self, name: str) -> type | None:
        return self.classes.get(name)

    def names(self) -> list[str]:
        return sorted(self.classes)


def keras_layer_registry() -> LayerRegistry:
    """Every public keras.layers class that is a Layer (recurrent cells included)."""
    registry = LayerRegistry()
    base = keras.layers.Layer
    for name in dir(keras.layers):
        obj = getattr(keras.layers, name)
        if inspect.isclass(obj) and issubclass(obj, base):
            registry.register(obj, name)
    return registry


def accepted_arguments(cls: type) -> set[str] | None:
    """Constructor arguments a class accepts, following **kwargs up the MRO.

    Keras layers pass **kwargs to their base (LSTM -> RNN -> Layer), so an argument such as
    ``zero_output_for_mask`` is accepted by LSTM through RNN. Returns None when a class
    takes arbitrary keyword arguments that we cannot list.
    """
    if not accepts_signature_kwargs():  # Keras 2: its signatures cannot say what is accepted
        return None
    names: set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        try:
            params = inspect.signature(init).parameters
        except (TypeError, ValueError):
            return None
        names.update(p.name for p in params.values() if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL))
        if not any(p.kind == p.VAR_KEYWORD for p in params.values()):
            break
        if klass is object:
            break
    else:
        return None
    names.discard("self")
    return names
