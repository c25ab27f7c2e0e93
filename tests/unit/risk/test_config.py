"""RiskConfig: typed, frozen, unknown keys and bad values refused naming the key and the fix."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tradewind.cli import risk_config
from tradewind.errors import ConfigError
from tradewind.model import OrderStatus
from tradewind.risk import RiskConfig

from .kit import BTC, Desk


def test_every_limit_is_off_unless_given() -> None:
    config = RiskConfig()
    limits = config.model_dump(exclude={"grid", "scale_down", "mark_interval_seconds"})
    assert set(limits.values()) == {None}
    assert config.grid == "deny"


@pytest.mark.parametrize(
    ("values", "needles"),
    [
        ({"max_postion": 1}, ["unknown key 'max_postion'", "known: grid,", "max_position"]),
        ({"max_position": -1}, ["max_position=-1", "greater than 0"]),
        ({"price_band_bps": 20_000}, ["price_band_bps=20000", "less than or equal to 10000"]),
        ({"grid": "round"}, ["grid='round'", "'raise', 'snap' or 'deny'"]),
        ({"order_burst": 5}, ["order_burst needs max_orders_per_second"]),
        ({"breaker_losses": 3}, ["breaker_losses, breaker_window_seconds and"]),
        ({"daily_loss_limit": "lots"}, ["daily_loss_limit='lots'", "valid decimal"]),
    ],
)
def test_bad_config_is_one_config_error_line_naming_the_key(
    values: dict, needles: list[str]
) -> None:
    with pytest.raises(ConfigError) as caught:
        RiskConfig(**values)
    message = str(caught.value)
    assert "\n" not in message
    for needle in needles:
        assert needle in message


def test_floats_become_the_decimals_they_were_written_as() -> None:
    config = RiskConfig.parse({"max_order_notional": 0.1, "max_orders_per_second": "2.5"})
    assert config.max_order_notional == Decimal("0.1")
    assert config.max_orders_per_second == Decimal("2.5")
    with pytest.raises(Exception, match="frozen"):
        config.max_position = Decimal(1)  # type: ignore[misc]


def test_cli_options_override_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "risk.toml"
    path.write_text("[risk]\nmax_position = 2.5\nmax_orders_per_second = 10\n")
    config = risk_config(path, ["max_orders_per_second=2", "daily_loss_limit=500"])
    assert config.max_position == Decimal("2.5")
    assert config.max_orders_per_second == 2
    assert config.daily_loss_limit == 500
    assert risk_config(None, []) is None


@pytest.mark.parametrize(
    ("text", "options", "needles"),
    [
        ("[risk]\nmax_postion = 1\n", [], ["risk.toml [risk]: unknown key 'max_postion'"]),
        ("[risks]\nmax_position = 1\n", [], ["unknown key 'risks' (known: risk)"]),
        ("[risk\n", [], ["not valid TOML"]),
        ("", ["max_position=-2"], ["--risk: max_position='-2'", "greater than 0"]),
        ("", ["max_position"], ["--risk 'max_position' is not KEY=VALUE"]),
    ],
)
def test_bad_config_files_and_options_name_the_key(
    tmp_path: Path, text: str, options: list[str], needles: list[str]
) -> None:
    path = tmp_path / "risk.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        risk_config(path, options)
    for needle in needles:
        assert needle in str(caught.value)


def test_grid_snap_puts_orders_on_the_grid_and_refuses_what_cannot_be() -> None:
    d = Desk(RiskConfig(grid="snap"))
    snapped = d.s.buy(BTC.id, "0.0159", price="99.996")
    nothing = d.s.buy(BTC.id, "0.0004")
    d.quote(100.0, 100.1)
    assert (snapped.quantity, snapped.price) == (Decimal("0.015"), Decimal("100.00"))
    assert snapped.status is OrderStatus.ACCEPTED
    assert nothing.reason == "BELOW_MIN_QUANTITY"


def test_grid_raise_leaves_the_strategy_side_exception() -> None:
    from tradewind.errors import OrderError

    d = Desk(RiskConfig(grid="raise"))
    with pytest.raises(OrderError, match="off the tick grid"):
        d.s.buy(BTC.id, "0.01", price="99.995")
