"""load_strategy finds built-ins, module classes and file classes, and names what is missing."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tradewind import Strategy
from tradewind.errors import StrategyError
from tradewind.strategy.library import BUILTINS, Momentum
from tradewind.strategy.registry import describe_builtins, load_strategy

from .synthetic import Market, fill, fills

CUSTOM = textwrap.dedent(
    '''
    """A strategy in a user's file."""

    from tradewind import QuoteTick, Strategy


    class BuyOnce(Strategy):
        """Buys one lot on the first quote."""

        name = "buy_once"

        def on_start(self) -> None:
            for iid in self.instruments:
                self.subscribe_quotes(iid)

        def on_quote(self, quote: QuoteTick) -> None:
            self.target_position(quote.instrument_id, "0.001")


    NOT_A_CLASS = 3
    '''
)


@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_a_builtin_name_gives_its_class(name: str) -> None:
    assert load_strategy(name) is BUILTINS[name]


def test_a_module_and_class_name_gives_that_class() -> None:
    assert load_strategy("tradewind.strategy.library.momentum:Momentum") is Momentum


def test_a_file_and_class_name_imports_the_file(tmp_path: Path, market: Market) -> None:
    path = tmp_path / "custom.py"
    path.write_text(CUSTOM)
    cls = load_strategy(f"{path}:BuyOnce")
    assert issubclass(cls, Strategy)
    assert cls.name == "buy_once"
    result = market.run(cls(), market.quotes([100.0, 100.0]))
    assert fills(result) == [fill(0, "BUY", "0.001", "100.01")]


def test_a_relative_file_path_is_read_from_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "custom.py").write_text(CUSTOM)
    monkeypatch.chdir(tmp_path)
    assert load_strategy("custom.py:BuyOnce").__name__ == "BuyOnce"


def test_an_unknown_name_lists_the_builtins_and_the_other_forms() -> None:
    with pytest.raises(StrategyError) as caught:
        load_strategy("turtle")
    message = str(caught.value)
    assert "unknown strategy 'turtle'" in message
    for name in BUILTINS:
        assert name in message
    assert "'package.module:ClassName'" in message
    assert "'path/to/file.py:ClassName'" in message


def test_a_misspelt_builtin_is_suggested() -> None:
    with pytest.raises(StrategyError, match="did you mean 'momentum'"):
        load_strategy("momentun")


def test_a_missing_module_is_named() -> None:
    with pytest.raises(StrategyError, match=r"strategy module 'tradewind\.nowhere' not found"):
        load_strategy("tradewind.nowhere:Anything")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "absent.py"
    with pytest.raises(StrategyError, match=r"strategy file '.*absent\.py' not found"):
        load_strategy(f"{missing}:Anything")


def test_a_missing_class_is_named_with_the_strategies_the_module_has() -> None:
    with pytest.raises(StrategyError) as caught:
        load_strategy("tradewind.strategy.library.momentum:Momentom")
    message = str(caught.value)
    assert "has no class 'Momentom'" in message
    assert "(strategies it defines: Momentum)" in message


def test_a_missing_class_in_a_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "custom.py"
    path.write_text(CUSTOM)
    with pytest.raises(StrategyError, match=r"has no class 'SellOnce' .*defines: BuyOnce\)"):
        load_strategy(f"{path}:SellOnce")


def test_something_that_is_not_a_strategy_class_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "custom.py"
    path.write_text(CUSTOM)
    with pytest.raises(StrategyError, match="NOT_A_CLASS is not a Strategy subclass"):
        load_strategy(f"{path}:NOT_A_CLASS")
    with pytest.raises(StrategyError, match="MomentumParams is not a Strategy subclass"):
        load_strategy("tradewind.strategy.library.momentum:MomentumParams")


def test_a_file_that_fails_to_import_reports_the_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.py"
    path.write_text("import tradewind\nraise RuntimeError('half written')\n")
    with pytest.raises(
        StrategyError, match=r"broken\.py' failed while importing \(line 2\): RuntimeError: half"
    ):
        load_strategy(f"{path}:Anything")


def test_a_file_with_a_syntax_error_reports_its_line(tmp_path: Path) -> None:
    path = tmp_path / "typo.py"
    path.write_text("x = 1\ndef broken(:\n")
    with pytest.raises(StrategyError, match=r"typo\.py' failed while importing \(line 2\)"):
        load_strategy(f"{path}:Anything")


def test_a_module_whose_own_import_fails_is_not_reported_as_missing(tmp_path: Path) -> None:
    path = tmp_path / "needs_more.py"
    path.write_text("import a_package_that_is_not_installed\n")
    with pytest.raises(StrategyError, match="No module named 'a_package_that_is_not_installed'"):
        load_strategy(f"{path}:Anything")


@pytest.mark.parametrize("spec", ["momentum:", ":Momentum", "file.py:not a name"])
def test_an_incomplete_spec_explains_the_forms(spec: str) -> None:
    with pytest.raises(StrategyError, match="is incomplete: write a built-in name"):
        load_strategy(spec)


def test_describe_builtins_gives_name_first_doc_line_and_parameters() -> None:
    described = {row["name"]: row for row in describe_builtins()}
    assert list(described) == list(BUILTINS)
    momentum = described["momentum"]
    assert momentum["description"] == (
        "Follow the recent move: what has risen keeps rising, what has fallen keeps falling."
    )
    assert [p["name"] for p in momentum["params"]] == [
        "size",
        "lookback",
        "threshold_bps",
        "allow_short",
    ]
    assert momentum["params"] == Momentum.params_model.describe()
    for row in described.values():
        assert row["description"] and "\n" not in row["description"]
