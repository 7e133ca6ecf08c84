"""Configuration: TOML + TRADEWIND_* overrides, and clear errors for bad files or values."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradewind.common.config import ConfigError, load_config


def test_defaults_without_file_or_environment() -> None:
    cfg = load_config(None, environ={})
    assert cfg.sim.port == 8090
    assert cfg.log.level == "info"


def test_file_values_then_environment_overrides(tmp_path: Path) -> None:
    path = tmp_path / "tw.toml"
    path.write_text('[sim]\nport = 9000\nseed = 3\n[log]\nformat = "json"\n')
    cfg = load_config(path, environ={"TRADEWIND_SIM__PORT": "9100", "TRADEWIND_SIM__ADMIN": "true"})
    assert (cfg.sim.port, cfg.sim.seed, cfg.sim.admin, cfg.log.format) == (9100, 3, True, "json")


def test_config_path_from_environment(tmp_path: Path) -> None:
    path = tmp_path / "tw.toml"
    path.write_text("[sim]\nseed = 11\n")
    assert load_config(None, environ={"TRADEWIND_CONFIG": str(path)}).sim.seed == 11


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[sim]\nprot = 1\n", "sim.prot: Extra inputs are not permitted"),
        ("[sim]\nport = -5\n", "sim.port"),
        ("[sim\nport = 1\n", "is not valid TOML"),
        ('[log]\nlevel = "loud"\n', "log.level"),
    ],
)
def test_bad_files_are_refused_with_the_field_named(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    assert needle in str(caught.value)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "absent.toml", environ={})


def test_bad_environment_value_names_the_source() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(None, environ={"TRADEWIND_SIM__PORT": "not-a-port"})
    assert "environment" in str(caught.value) and "sim.port" in str(caught.value)


def test_venue_section_from_environment() -> None:
    cfg = load_config(None, environ={"TRADEWIND_VENUE__REST_URL": '"http://127.0.0.1:1"'})
    assert cfg.venue.rest_url == "http://127.0.0.1:1"


def test_portfolio_section_gives_the_default_tenant_and_refuses_unknown_keys(
    tmp_path: Path,
) -> None:
    good = tmp_path / "good.toml"
    good.write_text('[portfolio]\ntenant = "anna"\n')
    assert load_config(good, environ={}).portfolio.tenant == "anna"
    assert load_config(None, environ={}).portfolio.tenant == "default"
    bad = tmp_path / "bad.toml"
    bad.write_text('[portfolio]\ntennant = "anna"\n')
    with pytest.raises(ConfigError, match=r"portfolio\.tennant"):
        load_config(bad, environ={})
