"""Canonical columns, their accepted names, and telling quotes, trades and bars apart."""

from __future__ import annotations

import pytest

from tradewind.data.columns import detect_kind, find_columns, missing_columns
from tradewind.errors import DataError


def test_quote_aliases_map_to_canonical_names_whatever_their_case() -> None:
    names = ["Timestamp", "BID", "Ask", "bid_qty", "ASK_VOLUME", "Ticker"]
    assert find_columns("quotes", names) == {
        "ts": "Timestamp",
        "bid": "BID",
        "ask": "Ask",
        "bid_size": "bid_qty",
        "ask_size": "ASK_VOLUME",
        "symbol": "Ticker",
    }


def test_bar_single_letter_aliases_are_accepted() -> None:
    found = find_columns("bars", ["open_time", "o", "h", "l", "c", "v"])
    assert found == {
        "ts": "open_time",
        "open": "o",
        "high": "h",
        "low": "l",
        "close": "c",
        "volume": "v",
    }


@pytest.mark.parametrize("size_name", ["qty", "quantity", "amount", "volume", "Size"])
def test_trade_size_aliases_are_accepted(size_name: str) -> None:
    assert find_columns("trades", ["time", "price", size_name])["size"] == size_name


def test_preferred_timestamp_alias_wins_when_several_are_present() -> None:
    assert find_columns("quotes", ["date", "ts_event", "ts_ns"])["ts"] == "ts_ns"


def test_spaces_and_hyphens_in_names_read_as_underscores() -> None:
    assert find_columns("bars", ["Open Time"])["ts"] == "Open Time"
    assert find_columns("quotes", ["bid-size"])["bid_size"] == "bid-size"


def test_missing_columns_lists_required_columns_absent_from_the_file() -> None:
    assert missing_columns("quotes", ["ts", "bid", "ask"]) == ["bid_size", "ask_size"]
    assert missing_columns("trades", ["ts", "price", "size"]) == []


@pytest.mark.parametrize(
    ("names", "kind"),
    [
        (["ts", "bid", "ask", "bid_size", "ask_size"], "quotes"),
        (["ts", "price", "qty", "side"], "trades"),
        (["ts", "open", "high", "low", "close", "volume"], "bars"),
        (["ts", "o", "h", "l", "c", "v"], "bars"),
    ],
)
def test_kind_is_detected_from_the_columns(names: list[str], kind: str) -> None:
    assert detect_kind(names, "f.csv") == kind


def test_columns_fitting_no_kind_name_the_file_found_columns_and_needs() -> None:
    with pytest.raises(DataError) as caught:
        detect_kind(["ts", "foo", "bar"], "mystery.csv")
    message = str(caught.value)
    assert "mystery.csv" in message
    assert "ts, foo, bar" in message
    assert "quotes need ts, bid, ask, bid_size, ask_size" in message
    assert "bars need ts, open, high, low, close, volume" in message
    assert "kind=" in message


def test_columns_fitting_two_kinds_are_ambiguous() -> None:
    with pytest.raises(DataError, match="fit quotes and trades"):
        detect_kind(["ts", "bid", "ask", "price", "size"], "both.csv")
