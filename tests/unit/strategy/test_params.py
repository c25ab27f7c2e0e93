"""Parameters of the built-ins: documented, typed, validated, refused with the parameter named."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tradewind.errors import StrategyError
from tradewind.strategy.library import (
    BUILTINS,
    MaCrossover,
    MeanReversion,
    Momentum,
    VolBreakout,
)

STRATEGIES = list(BUILTINS.values())


@pytest.mark.parametrize("strategy", STRATEGIES, ids=list(BUILTINS))
def test_every_parameter_has_a_description(strategy: Any) -> None:
    rows = strategy.params_model.describe()
    assert "size" in {row["name"] for row in rows}
    undocumented = [row["name"] for row in rows if len(row["description"]) < 15]
    assert undocumented == []


@pytest.mark.parametrize("strategy", STRATEGIES, ids=list(BUILTINS))
def test_defaults_are_valid(strategy: Any) -> None:
    assert strategy().params == strategy.params_model()


@pytest.mark.parametrize("strategy", STRATEGIES, ids=list(BUILTINS))
def test_an_unknown_parameter_is_refused_by_name(strategy: Any) -> None:
    with pytest.raises(StrategyError, match=r"unknown parameter 'sise'.*known: .*size"):
        strategy({"sise": "1"})


@pytest.mark.parametrize(
    ("strategy", "values", "named"),
    [
        (MaCrossover, {"fast": 0}, "'fast'"),
        (MaCrossover, {"slow": 1}, "'slow'"),
        (MaCrossover, {"min_edge_bps": -1}, "'min_edge_bps'"),
        (MaCrossover, {"cooldown_s": float("nan")}, "'cooldown_s'"),
        (MaCrossover, {"size": 0}, "'size'"),
        (MaCrossover, {"size": "lots"}, "'size'"),
        (MeanReversion, {"window": 1}, "'window'"),
        (MeanReversion, {"entry_bps": 0}, "'entry_bps'"),
        (MeanReversion, {"exit_bps": -5}, "'exit_bps'"),
        (VolBreakout, {"window": 0}, "'window'"),
        (VolBreakout, {"stop_bps": 0}, "'stop_bps'"),
        (VolBreakout, {"cooldown_s": -1}, "'cooldown_s'"),
        (VolBreakout, {"edge_bps": float("inf")}, "'edge_bps'"),
        (Momentum, {"lookback": 0}, "'lookback'"),
        (Momentum, {"threshold_bps": -1}, "'threshold_bps'"),
        (Momentum, {"allow_short": "maybe"}, "'allow_short'"),
    ],
)
def test_an_invalid_value_is_refused_naming_the_parameter(
    strategy: Any, values: dict[str, Any], named: str
) -> None:
    with pytest.raises(StrategyError, match=named):
        strategy(values)


@pytest.mark.parametrize(("fast", "slow"), [(30, 30), (40, 30)])
def test_fast_must_be_shorter_than_slow(fast: int, slow: int) -> None:
    with pytest.raises(StrategyError) as caught:
        MaCrossover({"fast": fast, "slow": slow})
    message = str(caught.value)
    assert f"fast ({fast}) must be smaller than slow ({slow})" in message
    assert "lower fast or raise slow" in message


def test_exit_must_be_nearer_the_mean_than_entry() -> None:
    with pytest.raises(StrategyError, match=r"exit_bps \(20.0\) must be smaller than entry_bps"):
        MeanReversion({"entry_bps": 20, "exit_bps": 20})


def test_values_from_text_are_converted_to_their_types() -> None:
    strategy = VolBreakout({"window": "5", "size": "0.25", "stop_bps": "30"})
    assert strategy.params.window == 5
    assert strategy.params.size == Decimal("0.25")
    assert strategy.params.stop_bps == 30.0


def test_a_float_size_keeps_its_decimal_value() -> None:
    assert Momentum({"size": 0.1}).params.size == Decimal("0.1")


def test_parameters_are_frozen() -> None:
    strategy = Momentum()
    with pytest.raises(ValueError, match="frozen"):
        strategy.params.lookback = 5  # type: ignore[misc]
