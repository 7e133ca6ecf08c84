"""deploy/prometheus: the example config and the rule files are valid, and the recording and
alert rules do what their unit tests (deploy/prometheus/tests/*.yml) say, run by ``promtool``."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from tests.fixtures.prometheus import DEPLOY, require_binary

RULE_TESTS = sorted((DEPLOY / "tests").glob("*.yml"))


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [require_binary("promtool"), *args],
        cwd=DEPLOY,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_example_config_and_its_rule_files_are_valid() -> None:
    checked = _promtool("check", "config", "prometheus.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "2 rule files found" in checked.stdout


@pytest.mark.parametrize("unit_test", RULE_TESTS, ids=lambda path: path.name)
def test_promtool_rule_unit_tests_pass(unit_test: Path) -> None:
    ran = _promtool("test", "rules", str(unit_test.relative_to(DEPLOY)))
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "SUCCESS" in ran.stdout


def test_a_wrong_expectation_fails_promtool(tmp_path: Path) -> None:
    """The unit tests can fail: the same alert expected at a VaR under its limit is a failure."""
    broken = tmp_path / "broken_test.yml"
    broken.write_text(
        f"""rule_files:
  - {DEPLOY / "rules" / "alerts.yml"}
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'tradewind_measure{{name="var_99_1d", scope="global", unit="ratio"}}'
        values: "0.029"
    alert_rule_test:
      - eval_time: 0m
        alertname: TradewindVarOverLimit
        exp_alerts:
          - exp_labels: {{severity: critical, name: var_99_1d, scope: global, unit: ratio}}
""",
        encoding="utf-8",
    )
    ran = _promtool("test", "rules", str(broken))
    assert ran.returncode != 0
    assert "FAILED" in ran.stdout + ran.stderr


def test_there_are_rule_unit_tests() -> None:
    assert {path.name for path in RULE_TESTS} >= {"alerts_test.yml", "recording_test.yml"}
