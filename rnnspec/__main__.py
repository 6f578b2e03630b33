"""``python -m rnnspec``: the same command as the ``rnnspec`` console script (rnnspec/cli.py)."""

from rnnspec.cli import main

raise SystemExit(main())
