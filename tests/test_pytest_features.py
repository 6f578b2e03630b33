"""pytest's own features on rnnspec cases, as in any pytest project: the cache (``--lf``,
``--ff``, ``--sw``), expected failures (``-rx``, ``--runxfail``, XPASS(strict)), a status of
its own for cases a release cannot build, and options checked before anything runs.
"""

from __future__ import annotations

import re

import pytest

from conftest import GOOD_LSTM, SpecProject, line_of, load_results, one_case_spec, records_by_name, reports_of

# GOOD_LSTM with the row of return_sequences=true, return_state=false made wrong: that case
# fails (the layer returns (B, T, units)); the other three pass.
ONE_WRONG = GOOD_LSTM.replace("    returns: (B, T, units)\n", "    returns: (B, units)\n", 1)
WRONG = "LSTM[core-seq-cpu]"


def _ran(result: pytest.RunResult) -> list[str]:
    """Names of the items that ran (call reports), in the order they ran."""
    return [r.nodeid.split("::")[-1] for r in result.reprec.getreports("pytest_runtest_logreport") if r.when == "call"]  # type: ignore[attr-defined]


# --- the cache: ids built the pytest way, so last-failed finds its cases again ----------


def test_last_failed_reruns_only_the_failed_case(project: SpecProject) -> None:
    """``--lf`` after a failing run runs that case alone (it used to run everything again:
    the cache's ids never matched the items')."""
    project.write("lstm.yaml", ONE_WRONG)
    first = project.run()
    first.assert_outcomes(passed=3, failed=1)
    again = project.run("--lf")
    assert _ran(again) == [WRONG]
    again.assert_outcomes(failed=1)
    again.stdout.fnmatch_lines(["*run-last-failure: rerun previous 1 failure*"])


def test_failed_first_runs_the_failed_case_first(project: SpecProject) -> None:
    project.write("lstm.yaml", ONE_WRONG)
    project.run().assert_outcomes(passed=3, failed=1)
    ran = _ran(project.run("--ff"))
    assert ran[0] == WRONG
    assert sorted(ran) == sorted(["LSTM[core-cpu]", "LSTM[core-state-cpu]", WRONG, "LSTM[core-seq-state-cpu]"])


def test_stepwise_stops_at_the_failure_and_resumes_there(project: SpecProject) -> None:
    path = project.write("lstm.yaml", ONE_WRONG)
    first = project.run("--sw")
    assert _ran(first) == ["LSTM[core-cpu]", "LSTM[core-state-cpu]", WRONG]
    path.write_text(GOOD_LSTM, encoding="utf-8")  # fixed: --sw starts again at the failed case
    assert _ran(project.run("--sw")) == [WRONG, "LSTM[core-seq-state-cpu]"]


def test_cache_show_runs_nothing(project: SpecProject) -> None:
    """The cache provider is on: ``--cache-show`` shows the cache instead of running the suite."""
    project.write("lstm.yaml", ONE_WRONG)
    project.run()
    result = project.run("--cache-show")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        ["cachedir: *", "*cache/lastfailed contains:*", "*spec/lstm.yaml::LSTM[[]core-seq-cpu[]]*"]
    )
    assert not _ran(result)


def test_node_ids_keep_their_text(project: SpecProject) -> None:
    """Reports, baselines and -k read the ids: the structured id prints as before."""
    project.write("lstm.yaml", GOOD_LSTM)
    result = project.run("--collect-only", "-q")
    assert "spec/lstm.yaml::LSTM[core-seq-cpu]" in result.outlines


# --- expected failures are pytest xfail marks ------------------------------------------

# A wrong table (LSTM without return_sequences returns (B, units), not (B, T, units)) whose
# failure is declared expected; STRICT_PASSING declares a failure of a correct row.
_XFAIL = "xfail:\n  - reason: a known deviation{strict}\nexpect:\n"
EXPECTED_FAILURE = one_case_spec(
    title="LSTM",
    layer="LSTM",
    args="{units: $units, return_sequences: $return_sequences}",
    defaults="{return_sequences: false}",
    row="returns: (B, T, units)\ndtype: float32",
).replace("expect:\n", _XFAIL.format(strict=""))
STRICT_PASSING = one_case_spec(
    title="GRU", layer="GRU", args="{units: $units}", defaults="{}", row="returns: (B, units)\ndtype: float32"
).replace("expect:\n", _XFAIL.format(strict=""))
LOOSE_PASSING = STRICT_PASSING.replace("title: GRU", "title: SimpleGRU").replace(
    "reason: a known deviation", "reason: a known deviation\n    strict: false"
)


def test_expected_failure_is_xfailed_and_listed_by_rx(project: SpecProject) -> None:
    project.write("expected.yaml", EXPECTED_FAILURE)
    out = project.root / "out"
    result = project.run("-rx", f"--rnnspec-reports={out}")
    result.assert_outcomes(xfailed=1)
    assert result.ret == pytest.ExitCode.OK
    line = line_of(EXPECTED_FAILURE, "reason: a known deviation")
    result.stdout.fnmatch_lines(
        [f"XFAIL spec/expected.yaml::LSTM[[]only-cpu[]] - a known deviation (expected.yaml:{line}*expected shape*"]
    )
    record = records_by_name(load_results(out))["LSTM[only-cpu]"]
    assert (record["status"], record["xfail_reason"]) == ("xfailed", "a known deviation")


def test_runxfail_shows_the_failure_itself(project: SpecProject) -> None:
    """``--runxfail`` runs the case as if the table declared nothing: the story shows."""
    path = project.write("expected.yaml", EXPECTED_FAILURE)
    report = reports_of(project.run("--runxfail"))["LSTM[only-cpu]"]
    assert report.failed
    assert (
        f"{path.relative_to(project.root).as_posix()}:{line_of(EXPECTED_FAILURE, 'only: {}')}: LSTM[only-cpu]: the layer does not return"
        in (report.longreprtext)
    )


def test_strict_expected_failure_that_passes_fails_naming_the_table(project: SpecProject) -> None:
    project.write("strict.yaml", STRICT_PASSING)
    out = project.root / "out"
    result = project.run(f"--rnnspec-reports={out}")
    result.assert_outcomes(failed=1)
    report = reports_of(result)["GRU[only-cpu]"]
    line = line_of(STRICT_PASSING, "reason: a known deviation")
    assert re.search(
        rf"XPASS\(strict\).*a known deviation \(strict\.yaml:{line}\b.*update the table", report.longreprtext
    )
    assert records_by_name(load_results(out))["GRU[only-cpu]"]["status"] == "failed"


def test_loose_expected_failure_that_passes_is_xpassed(project: SpecProject) -> None:
    project.write("loose.yaml", LOOSE_PASSING)
    out = project.root / "out"
    result = project.run(f"--rnnspec-reports={out}")
    result.assert_outcomes(xpassed=1)
    assert records_by_name(load_results(out))["SimpleGRU[only-cpu]"]["status"] == "xpassed"


def test_a_crash_is_not_absorbed_by_an_expected_failure(project: SpecProject, monkeypatch: pytest.MonkeyPatch) -> None:
    """The mark expects the table's mismatch, not any exception: broken machinery still fails."""
    import rnnspec.runner

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("machinery broke")

    monkeypatch.setattr(rnnspec.runner, "run_case", broken)
    project.write("expected.yaml", EXPECTED_FAILURE)
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*RuntimeError: machinery broke*"])


# --- not applicable is a status of its own ------------------------------------------------

# Declares that use_cudnn exists only before Keras 3: on the running Keras 3 the two cases
# that set it cannot be built.
NOT_HERE = """\
rnnspec: 1
title: GRU
inputs: (B, T, F)
sizes: {B: 1, T: 3, F: 2, units: 2}
available:
  use_cudnn: {keras: "<3"}
build:
  class: GRU
  args: {units: $units, use_cudnn: $use_cudnn}
defaults: {use_cudnn: auto}
tables:
  core: {}
  generic: {use_cudnn: [false]}
expect:
  - returns: (B, units)
    dtype: float32
"""


def test_not_applicable_is_counted_and_shown_as_such(project: SpecProject) -> None:
    project.write("gru.yaml", NOT_HERE)
    result = project.run("-v")
    assert result.parseoutcomes() == {"passed": 1, "not_applicable": 1}
    result.stdout.fnmatch_lines(["*GRU[[]generic-use_cudnn=false-cpu[]] NOT APPLICABLE*"])
    assert result.ret == pytest.ExitCode.OK


def test_statuses_under_xdist(project: SpecProject) -> None:
    """The controller gives the workers' cases the same statuses and counts."""
    project.write("gru.yaml", NOT_HERE)
    project.write("expected.yaml", EXPECTED_FAILURE)
    out = project.root / "out"
    result = project.run("-n", "2", f"--rnnspec-reports={out}")
    assert result.parseoutcomes() == {"passed": 1, "not_applicable": 1, "xfailed": 1}
    statuses = {n: r["status"] for n, r in records_by_name(load_results(out)).items()}
    assert statuses == {
        "GRU[core-cpu]": "passed",
        "GRU[generic-use_cudnn=false-cpu]": "not_applicable",
        "LSTM[only-cpu]": "xfailed",
    }


# --- options are checked before the run ------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("--rnnspec-devices=gpuu", "--rnnspec-devices: unknown device 'gpuu' (devices: cpu, gpu)"),
        ("--rnnspec-device-map=gpu", "--rnnspec-device-map expects name=device pairs, got 'gpu'"),
        ("--rnnspec-device-map=tpu=cpu:0", "--rnnspec-device-map: unknown device 'tpu' (devices: cpu, gpu)"),
    ],
)
def test_bad_device_options_are_usage_errors(project: SpecProject, option: str, message: str) -> None:
    project.write("lstm.yaml", GOOD_LSTM)
    result = project.run(option, devices=None)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])


def test_an_expected_failure_does_not_hide_a_change_from_the_baseline(project: SpecProject) -> None:
    """The xfail mark absorbs the table's mismatch only: a case that now passes where the
    baseline recorded a failure still fails the baseline check, even under a loose xfail."""
    path = project.write("lstm.yaml", ONE_WRONG)
    project.run("--rnnspec-record=base.json").assert_outcomes(passed=3, failed=1)
    loose = "xfail:\n  - when: {return_sequences: true, return_state: false}\n    reason: known\n    strict: false\n"
    path.write_text(GOOD_LSTM.replace("expect:\n", loose + "expect:\n"), encoding="utf-8")
    result = project.run("--rnnspec-baseline=base.json")
    result.assert_outcomes(passed=3, failed=1)
    message = reports_of(result)[WRONG].longreprtext
    assert f"{WRONG}: returns something else than the baseline" in message
    assert "against the baseline: status failed -> xpassed" in message
