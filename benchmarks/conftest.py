"""Benchmark fixtures and the machine description stored with every benchmark run."""

from __future__ import annotations

import os
import platform
from typing import Any

import pytest

#: Seconds of sleep added to every timed call: the self-test of the speed guard
#: (tests/test_benchmark_guard.py) uses it to make a layer slower on purpose.
SLOWDOWN_ENV = "RNNSPEC_BENCH_SLOWDOWN"


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def pytest_benchmark_update_machine_info(config: pytest.Config, machine_info: dict[str, Any]) -> None:
    from rnnspec.kerasapi import gpu_description, versions

    info = versions()
    machine_info["rnnspec"] = {
        "tensorflow": info.get("tensorflow"),
        "keras": info["keras"],
        "backend": info["backend"],
        "numpy": info["numpy"],
        "jax": info.get("jax"),
        "torch": info.get("torch"),
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "loadavg_at_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "gpu": gpu_description(),
    }


@pytest.fixture(scope="session")
def devices() -> dict[str, str | None]:
    """Table device name -> concrete device (None where this machine has none)."""
    from rnnspec.devices import resolve_devices

    return resolve_devices({})


@pytest.fixture(scope="session")
def slowdown() -> float:
    return float(os.environ.get(SLOWDOWN_ENV, "0") or 0)
