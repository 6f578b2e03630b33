"""Move the nightly pins in tox.ini to the newest dated builds on the package index.

The nightly environments (``tox -m nightly``) are pinned to dated builds so that a run can be
repeated; this moves them on. For each nightly package pinned in tox.ini (``tf-nightly``,
``keras-nightly``), it asks the index for the newest build (``pip index versions --pre``, the
same index ``pip install`` uses, its configuration included) and rewrites every ``name==...``
pin of that package; nothing else in the file changes. ``make nightly`` runs it, then the
nightly environments, then ``python -m rnnspec.compat render``.

    python tools/nightly_bump.py [tox.ini] [--dry-run]

Exit 0 when the pins are the newest (rewritten or already so), 2 when the index cannot say.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

#: The packages whose pins move; any other pin in tox.ini is left alone.
NIGHTLY_PACKAGES = ("tf-nightly", "keras-nightly")

_AVAILABLE = re.compile(r"^Available versions:\s*(.+)$", re.MULTILINE)


def pin_pattern(package: str) -> re.Pattern[str]:
    """A pin of PACKAGE in a deps line: ``tf-nightly==2.23.0.dev20261026`` (not ``x-tf-nightly``)."""
    return re.compile(rf"(?<![\w.-]){re.escape(package)}==([\w.+!-]+)")


def newest_from_pip_output(package: str, output: str) -> str:
    """The newest version in ``pip index versions`` output (its list is newest first)."""
    found = _AVAILABLE.search(output)
    if not found or not found.group(1).strip():
        raise LookupError(f"pip index versions {package}: no 'Available versions' line in its output")
    return found.group(1).split(",")[0].strip()


def ask_pip(package: str) -> str:
    """What ``pip index versions --pre PACKAGE`` prints (the index as pip is configured)."""
    done = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", "--pre", package],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise LookupError(f"pip index versions {package} failed: {done.stderr.strip()[-300:]}")
    return done.stdout


def bump(text: str, newest: dict[str, str]) -> tuple[str, list[str]]:
    """TEXT with every pin of the packages in NEWEST moved to that version, and what moved."""
    moved: list[str] = []
    for package, version in newest.items():
        pattern = pin_pattern(package)
        for old in sorted(set(pattern.findall(text))):
            if old != version:
                moved.append(f"{package} {old} -> {version}")
        text = pattern.sub(f"{package}=={version}", text)
    return text, moved


def main(argv: Sequence[str] | None = None, ask: Callable[[str], str] = ask_pip) -> int:
    """Rewrite the nightly pins of a tox.ini to the newest builds on the index."""
    parser = argparse.ArgumentParser(prog="tools/nightly_bump.py", description=main.__doc__)
    parser.add_argument("tox_ini", nargs="?", type=Path, default=Path("tox.ini"))
    parser.add_argument("--dry-run", action="store_true", help="say what would move; write nothing")
    args = parser.parse_args(argv)
    text = args.tox_ini.read_text(encoding="utf-8")
    pinned = [p for p in NIGHTLY_PACKAGES if pin_pattern(p).search(text)]
    if not pinned:
        print(f"{args.tox_ini}: no pin of {', '.join(NIGHTLY_PACKAGES)}", file=sys.stderr)
        return 2
    try:
        newest = {package: newest_from_pip_output(package, ask(package)) for package in pinned}
    except LookupError as exc:
        print(f"nightly_bump: {exc}", file=sys.stderr)
        return 2
    bumped, moved = bump(text, newest)
    for line in moved:
        print(line)
    if not moved:
        print("the nightly pins are the newest builds: " + ", ".join(f"{p}=={v}" for p, v in newest.items()))
    elif not args.dry_run:
        args.tox_ini.write_text(bumped, encoding="utf-8")
        print(f"wrote {args.tox_ini}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
