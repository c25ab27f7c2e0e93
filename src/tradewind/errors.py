"""The tradewind exception hierarchy: every error a user can cause is one of these."""

from __future__ import annotations


class TradewindError(Exception):
    """Base of every error tradewind raises on purpose; its message names the thing and the fix."""


class ConfigError(TradewindError):
    """A configuration value, parameter or command-line option is missing or invalid."""


class DataError(TradewindError):
    """A market-data file or row cannot be read; the message names the file, line and fix."""


class InstrumentError(TradewindError):
    """An instrument is unknown or its definition is inconsistent."""


class OrderError(TradewindError):
    """An order cannot be sent as asked (off the tick or lot grid, below a minimum)."""


class StrategyError(TradewindError):
    """A strategy is unknown, misdeclared, or was given parameters it does not accept."""


class ReconcileError(TradewindError):
    """On start, the venue's account does not match the state store in a way recovery cannot
    explain; the message has one line per mismatch (ours vs the venue's) and what to do.

    ``mismatches`` holds those lines; ``report`` what recovery had done when it stopped.
    """

    def __init__(
        self, message: str, mismatches: tuple[str, ...] = (), report: object | None = None
    ) -> None:
        super().__init__(message)
        self.mismatches = mismatches
        self.report = report
