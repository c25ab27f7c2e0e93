"""The ``new-strategy`` template: a complete, documented strategy file to copy and change."""

from __future__ import annotations

from pathlib import Path

from tradewind.errors import StrategyError

TEMPLATE = '''\
"""My strategy: hold a position while the price is above its exponential moving average."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from tradewind import Bar, QuoteTick, Strategy, StrategyError, StrategyParams, TradeTick
from tradewind.model.identifiers import InstrumentId
from tradewind.strategy.indicators import EMA


class MyStrategyParams(StrategyParams):
    """What can be tuned: each field has a description and a valid range.

    Unknown names and bad values are refused with a message that names the parameter.
    """

    period: int = Field(20, gt=1, description="Prices in the exponential moving average")
    size: Decimal = Field(
        Decimal("0.01"), gt=0, description="Position held above the average, in units"
    )


class MyStrategy(Strategy[MyStrategyParams]):
    """Long ``size`` while the price is above its EMA(``period``), flat below it.

    Run it with ``python my_strategy.py`` (a backtest on sample bars), or
    ``tradewind backtest --strategy my_strategy.py:MyStrategy --data ...``.
    """

    name = "my_strategy"
    params_model = MyStrategyParams

    def on_start(self) -> None:
        """Called once before any data: set up state, check the size, subscribe."""
        self.averages: dict[InstrumentId, EMA] = {}
        self.sizes: dict[InstrumentId, Decimal] = {}
        self.targets: dict[InstrumentId, Decimal] = {}
        for iid in self.instruments:
            # Order sizes must sit on the instrument's lot grid.
            lot = self.instrument(iid).lot_size
            size = self.instrument(iid).round_quantity(self.params.size)
            if not size:
                raise StrategyError(
                    f"size {self.params.size} is below the lot size of {iid}: use at least {lot}"
                )
            self.sizes[iid] = size
            self.targets[iid] = Decimal(0)
            self.averages[iid] = EMA(self.params.period)
            # Subscribe to every kind, so the strategy runs on whatever data is given.
            self.subscribe_quotes(iid)
            self.subscribe_trades(iid)
            self.subscribe_bars(iid)

    def on_quote(self, quote: QuoteTick) -> None:
        """A new best bid and ask: trade on the mid."""
        self.on_price(quote.instrument_id, quote.mid)

    def on_trade(self, trade: TradeTick) -> None:
        """A print on the tape: trade on its price."""
        self.on_price(trade.instrument_id, trade.price)

    def on_bar(self, bar: Bar) -> None:
        """A bar has closed: trade on its close."""
        self.on_price(bar.instrument_id, bar.close)

    def on_price(self, instrument_id: InstrumentId, price: float) -> None:
        """The rule itself: long above the average, flat below it."""
        average = self.averages[instrument_id]
        average.update(price)
        if not average.ready:
            return
        target = self.sizes[instrument_id] if price > average.value else Decimal(0)
        if target != self.targets[instrument_id]:
            self.targets[instrument_id] = target
            # Trades the difference from the position, counting orders still in flight.
            self.target_position(instrument_id, target)


if __name__ == "__main__":
    import tempfile
    from pathlib import Path

    from tradewind import Instrument
    from tradewind.data import write_sample
    from tradewind.data.stream import DataSpec
    from tradewind.runtime.backtest import run_backtest

    with tempfile.TemporaryDirectory() as folder:
        bars = write_sample(Path(folder) / "bars.parquet", "bars", 1_440)
        result = run_backtest(
            MyStrategy({"period": 30}),
            [DataSpec(bars, symbol="BTCUSDT")],
            instruments=[Instrument.spot("BTCUSDT", tick_size="0.01", lot_size="0.001")],
        )
    for key in ("fills", "realized_pnl", "total_return", "max_drawdown"):
        print(f"{key:>14}: {result.summary[key]}")
'''
"""The source of a new strategy file: a runnable example of every part a strategy has."""


def write_template(path: str | Path) -> Path:
    """Write ``TEMPLATE`` to ``path`` (a new ``.py`` file); an existing file is never replaced."""
    target = Path(path)
    if target.suffix != ".py":
        raise StrategyError(f"{target}: a strategy file must end in .py, e.g. my_strategy.py")
    if target.exists():
        raise StrategyError(f"{target} already exists: choose another name or move it away")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(TEMPLATE, encoding="utf-8")
    return target
