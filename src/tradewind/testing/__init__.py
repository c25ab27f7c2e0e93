"""The public test kit: event factories, an engine harness and recording/scripted strategies."""

from tradewind.testing.factories import (
    MILLISECOND,
    SECOND,
    T0,
    bar,
    fill,
    instrument,
    quote,
    trade,
)
from tradewind.testing.harness import (
    Callback,
    EngineHarness,
    RecordingStrategy,
    ScriptedStrategy,
    at,
)

__all__ = [
    "MILLISECOND",
    "SECOND",
    "T0",
    "Callback",
    "EngineHarness",
    "RecordingStrategy",
    "ScriptedStrategy",
    "at",
    "bar",
    "fill",
    "instrument",
    "quote",
    "trade",
]
