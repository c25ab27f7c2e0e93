"""The import direction of DESIGN.md, and the curated public API, checked on every run."""

from __future__ import annotations

import ast
from pathlib import Path

import tradewind

SRC = Path(tradewind.__file__).parent

# layer -> the tradewind layers it may import (besides itself)
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "model": {"errors"},
    "engine": {"errors", "model"},
    "data": {"errors", "model", "engine"},
    "strategy": {"errors", "model", "engine"},
    "risk": {"errors", "model", "engine"},
    "execution": {"errors", "model", "engine"},
    "portfolio": {"errors", "model", "engine"},
    "analysis": {"errors", "model"},
    "venues": {"errors", "model", "engine"},
    "store": {"errors", "model", "engine"},
    "recorder": {"errors", "model", "engine", "data"},
    "runtime": {
        "errors",
        "model",
        "engine",
        "data",
        "strategy",
        "risk",
        "execution",
        "portfolio",
        "analysis",
        "venues",
        "store",
        "recorder",
    },
}
UNCHECKED = {"__init__", "cli", "cli_run", "cli_replay", "testing", "__main__"}


def _layer(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith("tradewind.")
        ):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("tradewind."):
                    found.add(alias.name.split(".")[1])
    return found


def test_every_module_imports_only_the_layers_below_it() -> None:
    problems = []
    for path in sorted(SRC.rglob("*.py")):
        layer = _layer(path)
        if layer in UNCHECKED:
            continue
        assert layer in ALLOWED, f"{path}: layer {layer!r} is not in the import map; add it"
        for target in _imports(path) - {layer}:
            if target not in ALLOWED[layer]:
                problems.append(f"{path.relative_to(SRC)} imports tradewind.{target}")
    assert not problems, "imports against DESIGN.md's direction:\n" + "\n".join(problems)


def test_the_public_api_is_exactly_the_curated_list() -> None:
    assert sorted(tradewind.__all__) == sorted(
        [
            "AssetClass",
            "Bar",
            "Bot",
            "BotHandle",
            "ConfigError",
            "DataError",
            "Engine",
            "Fill",
            "HistoricalClock",
            "Instrument",
            "InstrumentError",
            "LiquiditySide",
            "LiveClock",
            "Order",
            "OrderError",
            "OrderSide",
            "OrderStatus",
            "OrderType",
            "Position",
            "QuoteTick",
            "Strategy",
            "StrategyError",
            "StrategyParams",
            "TimeEvent",
            "TimeInForce",
            "TradeTick",
            "TradewindError",
            "__version__",
            "run_backtest",
        ]
    )
    for name in tradewind.__all__:
        assert getattr(tradewind, name) is not None


def test_every_public_module_says_what_it_is_in_its_first_line() -> None:
    missing = [
        str(p.relative_to(SRC))
        for p in SRC.rglob("*.py")
        if not (ast.get_docstring(ast.parse(p.read_text(encoding="utf-8"))) or "").strip()
    ]
    assert not missing, f"modules without a docstring: {missing}"
