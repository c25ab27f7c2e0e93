"""Position: net quantity in one instrument, its average-cost basis and realized PnL, exact."""

from __future__ import annotations

from decimal import Decimal

from tradewind.model import exact
from tradewind.model.exact import Exact
from tradewind.model.identifiers import InstrumentId

_ZERO = Decimal(0)


class Position:
    """A netting position. Quantity is signed (short < 0).

    ``cost`` is the signed cost of the open quantity (sum of quantity x price of what is still
    open under average cost), so the average entry is ``cost / quantity``. Realized PnL of a
    reduction is ``closed x (exit - average entry) x multiplier``; nothing is rounded, so the
    realized PnL of all fills plus the open cost always equals the cash that moved.
    """

    __slots__ = (
        "cost",
        "fees",
        "instrument_id",
        "multiplier",
        "quantity",
        "realized_pnl",
        "trades",
        "ts_last",
        "ts_opened",
    )

    def __init__(self, instrument_id: InstrumentId, multiplier: Decimal = Decimal(1)) -> None:
        self.instrument_id = instrument_id
        self.multiplier = multiplier
        self.quantity: Decimal = _ZERO
        self.cost: Exact = _ZERO
        self.realized_pnl: Exact = _ZERO
        self.fees: dict[str, Decimal] = {}
        self.trades = 0
        self.ts_opened = 0
        self.ts_last = 0

    @property
    def is_flat(self) -> bool:
        """True with no open quantity."""
        return not self.quantity

    @property
    def avg_price(self) -> Exact | None:
        """Average entry price of the open quantity, exact; None when flat."""
        if not self.quantity:
            return None
        return exact.scale(self.cost, Decimal(1), self.quantity)

    def apply(self, signed_quantity: Decimal, price: Decimal, ts: int) -> Exact:
        """Book a fill; return the PnL it realized (zero when it opened or added)."""
        self.trades += 1
        self.ts_last = ts
        q = self.quantity
        if not q or (q > 0) == (signed_quantity > 0):
            if not q:
                self.ts_opened = ts
            self.quantity = exact.dec_add(q, signed_quantity)
            self.cost = exact.add(self.cost, exact.dec_mul(signed_quantity, price))
            return _ZERO
        open_abs = abs(q)
        fill_abs = abs(signed_quantity)
        if fill_abs >= open_abs:
            closing = open_abs
            removed = self.cost
        else:
            closing = fill_abs
            removed = exact.scale(self.cost, closing, open_abs)
        exit_value = exact.dec_mul(closing, price)
        signed_exit = exit_value if q > 0 else exact.dec_neg(exit_value)
        realized = exact.sub(signed_exit, removed)
        if self.multiplier != 1:
            realized = exact.mul(realized, self.multiplier)
        self.realized_pnl = exact.add(self.realized_pnl, realized)
        left = exact.dec_add(fill_abs, exact.dec_neg(closing))
        if left:
            self.quantity = exact.dec_add(signed_quantity, q)
            self.cost = exact.dec_mul(self.quantity, price)
            self.ts_opened = ts
        else:
            self.quantity = exact.dec_add(q, signed_quantity)
            self.cost = exact.sub(self.cost, removed) if self.quantity else _ZERO
        return realized

    def unrealized_pnl(self, mark: Decimal) -> Exact:
        """PnL of the open quantity if it were closed at ``mark``."""
        if not self.quantity:
            return _ZERO
        value = exact.sub(exact.dec_mul(self.quantity, mark), self.cost)
        return exact.mul(value, self.multiplier) if self.multiplier != 1 else value

    def __repr__(self) -> str:
        avg = self.avg_price
        shown = "-" if avg is None else str(exact.to_decimal(avg, 8))
        return (
            f"Position({self.instrument_id} qty={self.quantity} avg={shown} "
            f"realized={exact.to_decimal(self.realized_pnl, 8)})"
        )
