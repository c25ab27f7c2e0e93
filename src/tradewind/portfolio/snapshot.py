"""The portfolio as a plain, JSON-ready dict: for reports, the state replica and the dashboard.

Layout (every amount a decimal string, keys sorted; ``json.dumps`` takes it as is)::

    base_currency, currency, fills
    balances            {venue: {asset: amount}}
    totals              {asset: amount summed over venues}
    fees                {currency: amount}
    positions           [{instrument_id, venue, strategy_id: None, quantity, avg_price,
                          mark, currency, realized_pnl, unrealized_pnl, fees}]
    strategy_positions  the same rows, one per (strategy, instrument), strategy_id set
    pnl                 {realized: {currency: amount}, unrealized: {currency: amount}}
    converted           {currency, realized_pnl, unrealized_pnl, fees, equity}, or None
    conversion_error    None, or the message naming the missing rate when ``converted`` is None

Amounts print in full without trailing zeros; an amount that is a Fraction (a repeating decimal
left by average cost or an inverted rate) prints rounded half-even to 18 places. A position
without a mark yet shows ``mark`` and ``unrealized_pnl`` as None and adds nothing to the
unrealized totals.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tradewind.errors import ConfigError
from tradewind.model import exact
from tradewind.model.exact import Exact
from tradewind.model.position import Position

if TYPE_CHECKING:
    from tradewind.portfolio.portfolio import Portfolio

_PLACES = 18


def build_snapshot(portfolio: Portfolio, currency: str) -> dict[str, Any]:
    """The snapshot of ``portfolio`` with PnL converted to ``currency`` (see the module doc)."""
    converted: dict[str, str] | None
    try:
        converted = {
            "currency": currency,
            "realized_pnl": amount(portfolio.realized_pnl_in(currency)),
            "unrealized_pnl": amount(portfolio.unrealized_pnl_in(currency)),
            "fees": amount(portfolio.fees_in(currency)),
            "equity": amount(portfolio.equity(currency)),
        }
        error = None
    except ConfigError as exc:
        converted, error = None, str(exc)
    balances = portfolio.balances
    return {
        "base_currency": portfolio.base_currency,
        "currency": currency,
        "fills": portfolio.fills,
        "balances": {venue: _amounts(balances[venue]) for venue in sorted(balances)},
        "totals": _amounts(balances()),
        "fees": _amounts(portfolio.fees),
        "positions": [
            _row(portfolio, position, None) for _, position in sorted(portfolio.positions.items())
        ],
        "strategy_positions": [
            _row(portfolio, position, sid)
            for (sid, _), position in sorted(portfolio.strategy_positions.items())
        ],
        "pnl": {
            "realized": _amounts(portfolio.realized_pnl_by_currency()),
            "unrealized": _amounts(portfolio.unrealized_pnl_by_currency()),
        },
        "converted": converted,
        "conversion_error": error,
    }


def amount(value: Exact) -> str:
    """An amount as a plain decimal string: no exponent, no trailing zeros, exact when the
    amount is a finite decimal (a Fraction is rounded half-even to 18 places)."""
    if type(value) is not Decimal:
        value = exact.to_decimal(value, _PLACES)
    if not value:
        return "0"
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _amounts(values: dict[str, Exact] | dict[str, Decimal]) -> dict[str, str]:
    return {key: amount(values[key]) for key in sorted(values)}


def _row(portfolio: Portfolio, position: Position, strategy_id: str | None) -> dict[str, Any]:
    iid = position.instrument_id
    instrument = portfolio._cache.instrument(iid)
    mark = portfolio.mark(iid)
    avg = position.avg_price
    unrealized = None if mark is None else amount(position.unrealized_pnl(mark))
    return {
        "instrument_id": str(iid),
        "venue": instrument.venue,
        "strategy_id": strategy_id,
        "quantity": amount(position.quantity),
        "avg_price": None if avg is None else amount(avg),
        "mark": None if mark is None else amount(mark),
        "currency": instrument.settlement,
        "realized_pnl": amount(position.realized_pnl),
        "unrealized_pnl": unrealized,
        "fees": _amounts(position.fees),
    }
