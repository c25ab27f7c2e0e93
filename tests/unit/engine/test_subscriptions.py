"""Changing subscriptions from inside a handler never disturbs the delivery under way."""

from __future__ import annotations

from tradewind import QuoteTick, Strategy
from tradewind.testing import EngineHarness, instrument, quote

BTC = instrument("BTCUSDT")


class Quitter(Strategy):
    """Unsubscribes itself on the first quote it sees."""

    def on_start(self) -> None:
        self.seen: list[int] = []
        self.subscribe_quotes(BTC.id)

    def on_quote(self, q: QuoteTick) -> None:
        self.seen.append(q.ts_init)
        self.unsubscribe("quotes", BTC.id)


class Listener(Strategy):
    """Records every quote; subscribes a late friend on the first one."""

    def on_start(self) -> None:
        self.seen: list[int] = []
        self.subscribe_quotes(BTC.id)

    def on_quote(self, q: QuoteTick) -> None:
        self.seen.append(q.ts_init)


def test_unsubscribing_inside_a_handler_does_not_make_the_next_strategy_miss_the_event() -> None:
    h = EngineHarness(BTC)
    quitter, listener = Quitter(strategy_id="quitter"), Listener(strategy_id="listener")
    h.add_strategy(quitter)
    h.add_strategy(listener)
    h.start()
    h.feed(quote(BTC.id, 100.0, 100.1, 1), quote(BTC.id, 100.0, 100.1, 2))
    assert quitter.seen == [1]
    assert listener.seen == [1, 2]
    assert h.engine.subscribers("quotes", BTC.id) == 1


def test_subscribing_inside_a_handler_applies_from_the_next_event() -> None:
    h = EngineHarness(BTC)
    late = Listener(strategy_id="late")

    class Inviter(Listener):
        def on_quote(self, q: QuoteTick) -> None:
            super().on_quote(q)
            late.subscribe_quotes(BTC.id)

    inviter = Inviter(strategy_id="inviter")
    h.add_strategy(inviter)
    h.add_strategy(late)
    h.start()
    late.unsubscribe("quotes", BTC.id)
    h.feed(quote(BTC.id, 100.0, 100.1, 1), quote(BTC.id, 100.0, 100.1, 2))
    assert inviter.seen == [1, 2]
    assert late.seen == [2]
