"""Balances, positions, realized and unrealized PnL and fees, exact."""

from tradewind.portfolio.portfolio import Portfolio

__all__ = ["Portfolio"]
