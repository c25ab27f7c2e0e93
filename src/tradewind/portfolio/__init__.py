"""Balances, positions, realized and unrealized PnL and fees, exact; conversion at the marks."""

from tradewind.portfolio.books import Balances, PositionBook
from tradewind.portfolio.portfolio import Portfolio
from tradewind.portfolio.rates import Rates

__all__ = ["Balances", "Portfolio", "PositionBook", "Rates"]
