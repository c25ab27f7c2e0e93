"""Portfolio limits across all strategies: concurrent positions, and the latching daily-loss halt.

The account-wide exposure cap is ``checks.ExposureCap`` with ``per_strategy=False``.
"""

from __future__ import annotations

from decimal import Decimal

from tradewind.model import exact
from tradewind.model.exact import Exact
from tradewind.model.orders import Order
from tradewind.risk.book import RiskBook
from tradewind.risk.reasons import DenyReason, Verdict


class PositionCountCap:
    """At most ``limit`` concurrent positions — (strategy, instrument) pairs with a position or
    an open order — across all strategies. Orders in a pair already counted always pass."""

    __slots__ = ("_book", "_limit")

    def __init__(self, book: RiskBook, limit: int) -> None:
        self._book = book
        self._limit = limit

    def __call__(self, order: Order) -> Verdict:
        held = self._book.holders()
        if (order.strategy_id, order.instrument_id) in held or len(held) < self._limit:
            return None
        return DenyReason.MAX_POSITIONS, (
            f"{order.instrument_id} would be position {len(held) + 1} across all strategies: "
            f"max_positions is {self._limit}"
        )


class DailyLossHalt:
    """Account equity lost since 00:00 UTC; reaching ``limit`` latches a halt.

    The day's starting equity moves at midnight, but the latch does not lift then, nor by
    anything automatic: only ``reset`` (an operator's explicit command) lifts it, and the loss
    is measured afresh from that moment.
    """

    __slots__ = ("baseline", "latched", "limit")

    def __init__(self, limit: Decimal) -> None:
        self.limit = limit
        self.baseline: Decimal | None = None
        """Equity the day's loss is measured from (None until equity could first be valued)."""
        self.latched = False

    def start_day(self, equity: Decimal) -> None:
        """A new UTC day begins at ``equity`` (a latched halt stays latched)."""
        self.baseline = equity

    def loss(self, equity: Decimal) -> Exact:
        """Equity lost since the day began (negative when up)."""
        return Decimal(0) if self.baseline is None else exact.sub(self.baseline, equity)

    def update(self, equity: Decimal) -> Exact | None:
        """Take the current equity; return the loss when it reaches the limit now (and latch)."""
        if self.baseline is None:
            self.baseline = equity
            return None
        if self.latched:
            return None
        loss = exact.sub(self.baseline, equity)
        if loss >= self.limit:
            self.latched = True
            return loss
        return None

    def reset(self, equity: Decimal | None) -> None:
        """Lift the latch; the day's loss counts again from ``equity``."""
        self.latched = False
        if equity is not None:
            self.baseline = equity
