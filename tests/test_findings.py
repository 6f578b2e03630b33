"""What a table says about releases a run is not on reaches that run's contract, from the
table's own note and reason texts (rnnspec/findings.py), never copied by hand."""

from __future__ import annotations

from conftest import GOOD_LSTM, SpecProject
from rnnspec.findings import elsewhere

KERAS3 = {"keras": "3.15.1", "backend": "tensorflow", "numpy": "2.4.6", "python": "3.11.7"}
KERAS2 = {**KERAS3, "keras": "2.15.0"}

ROWS = """\
  - versions: {keras: "<3"}
    returns_as: list
    note: Keras 2 returns a list
  - when: {return_state: true}
    versions: {backend: jax}
    deviations:
      - relation: h_then_c
        reason: made up for the test
xfail:
  - when: {return_sequences: true}
    device: gpu
    versions: {backend: torch}
    reason: a torch GPU quirk
"""


def test_rows_for_other_releases_are_listed_with_where_they_hold(project: SpecProject) -> None:
    path = project.write("lstm.yaml", GOOD_LSTM + ROWS)
    assert elsewhere(path, KERAS3) == [
        "on backend jax (return_state=true): h_then_c does not hold: made up for the test",
        "on backend torch (return_sequences=true): expected to fail on gpu: a torch GPU quirk",
        "on keras<3: Keras 2 returns a list",
    ]
    # on Keras 2 the Keras 2 row holds: it is that run's own note, not an "elsewhere"
    assert "on keras<3: Keras 2 returns a list" not in elsewhere(path, KERAS2)
    assert elsewhere(project.write("bad.yaml", "title: [unclosed\n"), KERAS3) == []


def test_the_contract_shows_them_under_their_table(project: SpecProject) -> None:
    project.write("lstm.yaml", GOOD_LSTM + ROWS)
    out = project.root / "out"
    project.run(f"--rnnspec-reports={out}").assert_outcomes(passed=4)
    contract = (out / "contract.md").read_text(encoding="utf-8")
    section = contract.split("#### On other releases and backends", 1)[1]
    assert "- on keras<3: Keras 2 returns a list" in section
    assert "- on backend torch (return_sequences=true): expected to fail on gpu: a torch GPU quirk" in section
