"""The new-strategy template: a file that loads, runs and backtests as it is."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from tradewind.errors import StrategyError
from tradewind.strategy.registry import load_strategy
from tradewind.strategy.template import TEMPLATE, write_template

from .synthetic import Market, fill, fills


def test_the_template_loads_by_file_and_trades_its_rule(
    tmp_path: Path, market: Market, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_template(tmp_path / "file.py")
    monkeypatch.chdir(tmp_path)
    cls = load_strategy("file.py:MyStrategy")
    # EMA(2): t1 sits on the average (flat); t2 101 is above 100.67 (buy); t4 100 is under
    # 100.52 (sell).
    result = market.run(cls({"period": 2}), market.quotes([100.0, 100.0, 101.0, 102.0, 100.0]))
    assert fills(result) == [fill(2, "BUY", "0.01", "101.01"), fill(4, "SELL", "0.01", "99.99")]


def test_the_template_documents_every_public_name() -> None:
    namespace: dict[str, object] = {}
    exec(compile(TEMPLATE, "my_strategy.py", "exec"), namespace)
    assert namespace["__doc__"]
    for name in ("MyStrategy", "MyStrategyParams"):
        cls = namespace[name]
        assert isinstance(cls, type) and cls.__doc__
    rows = namespace["MyStrategyParams"].describe()  # type: ignore[attr-defined]
    assert all(row["description"] for row in rows)


def test_the_template_runs_as_a_script(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_template(tmp_path / "my_strategy.py")
    runpy.run_path(str(path), run_name="__main__")
    printed = capsys.readouterr().out
    assert "fills:" in printed and "realized_pnl:" in printed


def test_write_template_never_replaces_a_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.py"
    path.write_text("# my work\n")
    with pytest.raises(StrategyError, match="already exists"):
        write_template(path)
    assert path.read_text() == "# my work\n"


def test_write_template_wants_a_python_file(tmp_path: Path) -> None:
    with pytest.raises(StrategyError, match=r"must end in \.py"):
        write_template(tmp_path / "mine.txt")
