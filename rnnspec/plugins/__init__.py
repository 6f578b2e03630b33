"""The pytest plugin, one module per feature, as pytest's own ``src/_pytest/`` is laid out.

``rnnspec/plugin.py`` (the ``pytest11`` entry point) registers each of these; each owns its
options and its hooks, and none imports Keras when it is registered:

- ``session``: what one run keeps (records, registry, memo), statuses, the rnnspec summary;
- ``collection``: spec files become items (``rnnspec_paths``, ``--rnnspec-depth``, markers);
- ``items``: the case item (xfail marks, the run, the failure story) and the spec-error item;
- ``devices``: ``--rnnspec-devices`` and ``--rnnspec-device-map``, validated, and the header;
- ``reports``: ``--rnnspec-reports``, the journal, writing results.json and contract.md;
- ``baseline``: ``--rnnspec-record`` and ``--rnnspec-baseline``, their summary and file;
- ``distribute``: one worker per spec file under ``pytest -n``;
- ``signals``: SIGINT, SIGTERM and SIGHUP end a run as pytest ends one on Ctrl-C;
- ``explore``: ``--rnnspec-explore=N``, the hypothesis hunt for the smallest failing combination.
"""
