"""The device axis as options: which devices to generate cases for, where to place them, and
the report header that says what the run found.

Both options are checked in ``pytest_configure``: a misspelt device (``gpuu``) or a malformed
map is a usage error before anything is collected, instead of phantom skipped cases or an
internal error. Nothing here imports Keras until a case needs its device (rnnspec/devices.py).
"""

from __future__ import annotations

import pytest

from rnnspec import DEVICES
from rnnspec.plugins.session import state_of


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rnnspec", "rnnspec: the Keras recurrent-layer contract")
    group.addoption(
        "--rnnspec-devices",
        default="cpu,gpu",
        metavar="LIST",
        help="devices to generate cases for, comma-separated (default: cpu,gpu)",
    )
    group.addoption(
        "--rnnspec-device-map",
        default=None,
        metavar="MAP",
        help="place a device name on another device, e.g. gpu=cpu:1 (to test the device axis on CPU)",
    )


def parse_devices(text: str) -> tuple[str, ...]:
    """``cpu,gpu`` -> ("cpu", "gpu"); raises ValueError naming an unknown device."""
    devices = tuple(d.strip() for d in text.split(",") if d.strip())
    unknown = [d for d in devices if d not in DEVICES]
    if unknown:
        raise ValueError(
            f"--rnnspec-devices: unknown device {', '.join(map(repr, unknown))} (devices: {', '.join(DEVICES)})"
        )
    return tuple(dict.fromkeys(devices))


def parse_device_map(text: str | None) -> dict[str, str]:
    """``gpu=cpu:1,cpu=cpu:0`` -> {"gpu": "cpu:1", "cpu": "cpu:0"}; ValueError when malformed."""
    mapping: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        name, sep, target = (s.strip() for s in part.partition("="))
        if not sep or not name or not target:
            raise ValueError(f"--rnnspec-device-map expects name=device pairs, got {part!r}")
        if name not in DEVICES:
            raise ValueError(f"--rnnspec-device-map: unknown device {name!r} (devices: {', '.join(DEVICES)})")
        mapping[name] = target
    return mapping


def pytest_configure(config: pytest.Config) -> None:
    state = state_of(config)
    try:
        state.selected_devices = parse_devices(config.getoption("rnnspec_devices"))
        state.device_map = parse_device_map(config.getoption("rnnspec_device_map"))
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """A device map that names a device not here is a usage error before any case runs
    (checked once, on the controller: it imports Keras, after every conftest configured it)."""
    config = session.config
    state = state_of(config)
    if not state.device_map or not state.active or hasattr(config, "workerinput"):
        return
    from rnnspec.devices import unknown_targets
    from rnnspec.kerasapi import device_names

    unknown = unknown_targets(state.device_map)
    if unknown:
        named = ", ".join(f"{name}={target}" for name, target in unknown.items())
        raise pytest.UsageError(
            f"--rnnspec-device-map: {named}: no such device here (devices: {', '.join(device_names())})"
        )


def pytest_report_header(config: pytest.Config) -> list[str]:
    state = state_of(config)
    if not state.active:  # a project without spec files: no Keras import
        return []
    depth = config.getoption("rnnspec_depth")
    if config.pluginmanager.hasplugin("dsession"):  # the xdist controller runs no case
        from rnnspec.installed import installed_versions

        v = installed_versions()
        return [
            f"rnnspec: keras {v['keras']} ({v['backend']}), tensorflow {v['tensorflow']}, numpy {v['numpy']} "
            f"(installed); devices are resolved on each worker; depth {depth}"
        ]
    from rnnspec.kerasapi import versions

    v = versions()
    devices = ", ".join(f"{k}={v_ or 'absent'}" for k, v_ in state.devices.items())
    return [
        f"rnnspec: keras {v['keras']} ({v['backend']}), tensorflow {v['tensorflow']}, numpy {v['numpy']}; "
        f"devices: {devices}; depth {depth}"
    ]
