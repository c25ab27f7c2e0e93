"""The bot's TOML config and the .env presets: what is accepted, what is refused and how."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from tradewind.errors import ConfigError
from tradewind.runtime.config import BotConfig, parse_seconds
from tradewind.runtime.demo import demo_config
from tradewind.runtime.env import Secret, load_environment, parse_env_file

ROOT = Path(__file__).resolve().parents[3]

MINIMAL = """
[[venues]]
name = "SIM"

[[instruments]]
id = "BTCUSDT.SIM"
tick = "0.01"
lot = "0.001"

[[strategies]]
id = "s1"
strategy = "ma_crossover"
instruments = ["BTCUSDT.SIM"]
"""


def parse(text: str) -> BotConfig:
    return BotConfig.parse(tomllib.loads(text), "bot.toml")


def test_minimal_config_gets_defaults() -> None:
    config = parse(MINIMAL)
    assert config.bot.name == "bot"
    assert config.venues[0].kind == "mock"
    assert config.bot.shutdown_timeout == 30.0
    assert config.feed.max_quiet == 10.0
    [instrument] = config.instrument_list()
    assert instrument.tick_size == Decimal("0.01") and instrument.quote == "USDT"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('[[venues]]\nname = "SIM"', '[[venues]]\nname = "SIM"\nspeed = 3'),
            "unknown key 'venues[0].speed'",
        ),
        (('name = "SIM"', 'name = "SIM"\nkind = "binance"'), "kind 'binance' is not available"),
        (
            ('instruments = ["BTCUSDT.SIM"]', 'instruments = ["ETHUSDT.SIM"]'),
            "'ETHUSDT.SIM' is not in [[instruments]]",
        ),
        (('id = "BTCUSDT.SIM"', 'id = "BTCUSDT.XXX"'), "venue 'XXX' is not a [[venues]] name"),
        (('tick = "0.01"', 'tick = "abc"'), "tick_size 'abc' is not a number"),
        (('lot = "0.001"', ""), "give lot=... as well"),
        (("[[strategies]]", "[risk]\nmax_position = -1\n[[strategies]]"), "[risk]"),
        (
            ("[[venues]]", '[bot]\nduration = "soon"\n[[venues]]'),
            "[bot] duration = 'soon' is not a duration",
        ),
    ],
)
def test_bad_configs_are_refused_with_the_key_and_the_fix(
    change: tuple[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse(MINIMAL.replace(*change, 1))
    text = str(caught.value)
    assert message in text
    assert text.startswith("bot.toml")
    assert "\n" not in text


def test_mock_server_needs_a_port() -> None:
    with pytest.raises(ConfigError, match="needs port = N"):
        parse(MINIMAL.replace('name = "SIM"', 'name = "SIM"\nkind = "mock-server"', 1))


def test_missing_file_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        BotConfig.load(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[bot\nname=1")
    with pytest.raises(ConfigError, match="not valid TOML"):
        BotConfig.load(bad)


@pytest.mark.parametrize("path", sorted((ROOT / "examples").glob("*.toml")), ids=lambda p: p.name)
def test_example_configs_are_valid(path: Path) -> None:
    config = BotConfig.load(path)
    assert config.strategies and config.instrument_list()


def test_the_mock_example_runs_several_strategies_on_several_symbols() -> None:
    [path] = (ROOT / "examples").glob("*mock*multi*.toml")
    config = BotConfig.load(path)
    assert len(config.strategies) >= 3
    assert len({i for s in config.strategies for i in s.instruments}) >= 3


def test_demo_config_is_multi_strategy_and_bounded() -> None:
    config = demo_config()
    assert len(config.strategies) >= 3 and config.bot.duration == 15.0
    assert config.store.url == "memory"


def test_durations() -> None:
    assert parse_seconds("250ms", "x") == 0.25
    assert parse_seconds("2m", "x") == 120.0
    assert parse_seconds(3, "x") == 3.0
    with pytest.raises(ConfigError, match="x = '-1s' must be a finite duration"):
        parse_seconds("-1s", "x")


# ------------------------------------------------------------------ environment presets
def test_mock_is_the_default_and_process_env_overrides_the_file(tmp_path: Path) -> None:
    (tmp_path / ".env.mock").write_text("TRADEWIND_MODE=mock\nTRADEWIND_LOG_LEVEL=INFO\n")
    env = load_environment(folder=tmp_path, environ={"TRADEWIND_LOG_LEVEL": "DEBUG"})
    assert env.preset == "mock" and env.mode == "mock"
    assert env.get("TRADEWIND_LOG_LEVEL") == "DEBUG"
    assert env.source == tmp_path / ".env.mock"


def test_mock_works_without_a_file(tmp_path: Path) -> None:
    env = load_environment(folder=tmp_path, environ={})
    assert env.mode == "mock" and env.source is None


def test_live_needs_the_explicit_flag(tmp_path: Path) -> None:
    (tmp_path / ".env.live").write_text("TRADEWIND_MODE=live\n")
    with pytest.raises(ConfigError, match="real money: add --live"):
        load_environment("live", folder=tmp_path, environ={})
    assert load_environment("live", folder=tmp_path, environ={}, allow_live=True).mode == "live"


def test_a_named_preset_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no \.env\.sandbox in"):
        load_environment("sandbox", folder=tmp_path, environ={})


def test_secrets_in_a_preset_file_are_refused(tmp_path: Path) -> None:
    path = tmp_path / ".env.sandbox"
    path.write_text("TRADEWIND_MODE=sandbox\nBINANCE_API_KEY=abc123\n")
    with pytest.raises(ConfigError) as caught:
        load_environment("sandbox", folder=tmp_path, environ={})
    assert "BINANCE_API_KEY is a secret" in str(caught.value)
    assert "abc123" not in str(caught.value)


def test_secrets_come_from_the_process_environment_and_never_print(tmp_path: Path) -> None:
    env = load_environment(folder=tmp_path, environ={"BINANCE_API_KEY": "TWCANARY-123"})
    secret = env.secret("BINANCE_API_KEY")
    assert isinstance(secret, Secret) and secret.reveal() == "TWCANARY-123"
    assert "TWCANARY" not in repr(secret) + str(secret) + repr(env)
    assert "BINANCE_API_KEY" not in env.values


def test_repository_presets_parse_and_hold_no_secret() -> None:
    for name in ("mock", "sandbox", "live"):
        values = parse_env_file(ROOT / f".env.{name}")
        assert values["TRADEWIND_MODE"] == name


def test_bad_env_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / ".env.mock"
    path.write_text("TRADEWIND_MODE=mock\nthis is wrong\n")
    with pytest.raises(ConfigError, match=r"\.env\.mock:2: 'this is wrong' is not KEY=VALUE"):
        load_environment(folder=tmp_path, environ={})
