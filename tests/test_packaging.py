"""What a user installs from a wheel is the whole plugin: every subpackage and its data files.

The repository's own runs use an editable install, which would not notice a subpackage left
out of the wheel (the plugin would then break pytest in every project that installs it).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_wheel_holds_every_module_and_data_file(tmp_path: Path) -> None:
    # built from a copy: setuptools reuses a build/ folder it finds, which may hold old modules
    source_tree = tmp_path / "src"
    shutil.copytree(ROOT / "rnnspec", source_tree / "rnnspec", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source_tree / name)
    command = [sys.executable, "-m", "pip", "wheel", str(source_tree), "--no-deps", "--no-build-isolation", "-q"]
    subprocess.run([*command, "-w", str(tmp_path)], check=True, capture_output=True, cwd=tmp_path)
    (wheel,) = tmp_path.glob("rnnspec-*.whl")
    packaged = {name for name in zipfile.ZipFile(wheel).namelist() if name.startswith("rnnspec/")}
    source = ROOT / "rnnspec"
    wanted = {f"rnnspec/{p.relative_to(source).as_posix()}" for p in source.rglob("*.py")}
    wanted |= {"rnnspec/schema.yaml", "rnnspec/results.schema.json", "rnnspec/py.typed"}
    assert wanted - packaged == set()
