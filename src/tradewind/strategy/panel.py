"""A strategy's panel: the widgets it shows on the dashboard, declared in ``on_start``.

    def on_start(self) -> None:
        self.panel.kv("signal", "Signal")
        self.panel.series("spread", "Spread (bps)", max_points=600)
        self.panel.table("entries", ["time", "side", "price"], max_rows=50)
        self.panel.log("notes")
        self.panel.divider("Diagnostics")

    def on_quote(self, quote):
        self.panel.set("signal", "long")
        self.panel.point("spread", 1.5)             # at the strategy's clock time
        self.panel.row("entries", ["12:00", "BUY", "60000"])
        self.panel.line("notes", "crossed above the slow average")

Pure data, no I/O: an update is a dict lookup and an append to a bounded deque, cheap enough
for a backtest. Whoever shows the panel (the dashboard) reads ``schema()`` and the widgets.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, NoReturn

from tradewind.errors import StrategyError

KINDS = ("kv", "series", "table", "log", "divider")
_NUMBERS = (int, float, Decimal)


class Widget:
    """One declared widget: its kind, name and label (and, by kind, its bounded contents)."""

    __slots__ = ("kind", "label", "name")

    def __init__(self, kind: str, name: str, label: str | None) -> None:
        self.kind = kind
        self.name = name
        self.label = label if label is not None else name.replace("_", " ").capitalize()

    def declaration(self) -> dict[str, Any]:
        """What the widget is, JSON-ready (its contents are not included)."""
        return {"kind": self.kind, "name": self.name, "label": self.label}


class KeyValue(Widget):
    """A label and its current value (``set``)."""

    __slots__ = ("value",)

    def __init__(self, name: str, label: str | None) -> None:
        super().__init__("kv", name, label)
        self.value: Any = None


class Ring:
    """The last ``limit`` items and how many were ever added (``total``), so that a reader can
    ask for only what came since it last looked (``since``)."""

    __slots__ = ("items", "total")

    def __init__(self, limit: int) -> None:
        self.items: deque[Any] = deque(maxlen=limit)
        self.total = 0

    def add(self, item: Any) -> None:
        """Keep ``item``; the oldest goes when the ring is full."""
        self.items.append(item)
        self.total += 1

    def since(self, seen: int) -> list[Any]:
        """The items added after the first ``seen`` ones (at most the ones still held)."""
        fresh = self.total - seen
        if fresh <= 0:
            return []
        items = list(self.items)
        return items[-fresh:] if fresh < len(items) else items


class Bounded(Widget):
    """A widget holding the last ``limit`` items in a ``Ring`` (``items``, ``total``,
    ``add``, ``since`` as the ring's)."""

    __slots__ = ("limit", "ring")

    def __init__(self, kind: str, name: str, label: str | None, limit: int) -> None:
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise StrategyError(f"panel {kind} {name!r}: the size limit must be an integer >= 1")
        super().__init__(kind, name, label)
        self.limit = limit
        self.ring = Ring(limit)

    @property
    def items(self) -> deque[Any]:
        """What the widget holds, oldest first."""
        return self.ring.items

    @property
    def total(self) -> int:
        """How many items were ever added."""
        return self.ring.total

    def add(self, item: Any) -> None:
        """Keep ``item`` (the oldest goes when the widget is full)."""
        self.ring.add(item)

    def since(self, seen: int) -> list[Any]:
        """The items added after the first ``seen`` ones (at most the ones still held)."""
        return self.ring.since(seen)


class Series(Bounded):
    """A time series of numbers: ``(ts_ns, value)`` points, drawn as a line chart."""

    __slots__ = ()

    def __init__(self, name: str, label: str | None, max_points: int) -> None:
        super().__init__("series", name, label, max_points)

    def declaration(self) -> dict[str, Any]:
        """Kind, name, label and ``max_points``."""
        return {**super().declaration(), "max_points": self.limit}


class Table(Bounded):
    """Rows under fixed columns; the newest ``max_rows`` are kept."""

    __slots__ = ("columns",)

    def __init__(self, name: str, columns: Sequence[str], max_rows: int) -> None:
        super().__init__("table", name, None, max_rows)
        if isinstance(columns, str) or not columns:
            raise StrategyError(
                f"panel table {name!r}: give the column names as a list, e.g. ['time', 'side']"
            )
        self.columns = tuple(str(c) for c in columns)

    def declaration(self) -> dict[str, Any]:
        """Kind, name, label, ``columns`` and ``max_rows``."""
        return {**super().declaration(), "columns": list(self.columns), "max_rows": self.limit}


class Log(Bounded):
    """Lines of text with the time they were written; the newest ``max_lines`` are kept."""

    __slots__ = ()

    def __init__(self, name: str, max_lines: int) -> None:
        super().__init__("log", name, None, max_lines)

    def declaration(self) -> dict[str, Any]:
        """Kind, name, label and ``max_lines``."""
        return {**super().declaration(), "max_lines": self.limit}


class StrategyPanel:
    """The widgets of one strategy, in the order they were declared.

    Declare with ``kv``, ``series``, ``table``, ``log`` and ``divider`` (in ``on_start``);
    update with ``set``, ``point``, ``row`` and ``line``. A name that was not declared, or an
    update of the wrong kind, raises a StrategyError naming the widgets there are.
    """

    __slots__ = ("_dividers", "_now_ns", "owner", "widgets")

    def __init__(self, owner: str = "strategy", now_ns: Callable[[], int] | None = None) -> None:
        self.owner = owner
        self.widgets: dict[str, Widget] = {}
        """name -> widget, in declaration order (dividers under ``divider-N``)."""
        self._now_ns = now_ns
        self._dividers = 0

    # ---------------------------------------------------------- declarations
    def kv(self, name: str, label: str | None = None) -> None:
        """A value with a label (``set`` it)."""
        self._declare(KeyValue(self._name(name), label))

    def series(self, name: str, label: str | None = None, max_points: int = 600) -> None:
        """A line chart of numbers over time (``point``); the last ``max_points`` are kept."""
        self._declare(Series(self._name(name), label, max_points))

    def table(self, name: str, columns: Sequence[str], max_rows: int = 100) -> None:
        """A table with ``columns`` (``row``); the newest ``max_rows`` are kept."""
        self._declare(Table(self._name(name), columns, max_rows))

    def log(self, name: str, max_lines: int = 200) -> None:
        """Lines of text (``line``); the newest ``max_lines`` are kept."""
        self._declare(Log(self._name(name), max_lines))

    def divider(self, label: str | None = None) -> None:
        """A separator between groups of widgets, with an optional heading."""
        self._dividers += 1
        name = f"divider-{self._dividers}"
        self.widgets[name] = Widget("divider", name, label or "")

    # --------------------------------------------------------------- updates
    def set(self, name: str, value: Any) -> None:
        """Show ``value`` (a number, text, bool or None) in the key/value widget ``name``."""
        widget = self.widgets.get(name)
        if not isinstance(widget, KeyValue):
            self._wrong(name, widget, "kv", "set")
        widget.value = value

    def point(self, name: str, value: float | int | Decimal, ts_ns: int | None = None) -> None:
        """Add a point to the series ``name`` at ``ts_ns`` (default: the strategy's clock)."""
        widget = self.widgets.get(name)
        if not isinstance(widget, Series):
            self._wrong(name, widget, "series", "point")
        if value.__class__ not in _NUMBERS and not isinstance(value, _NUMBERS):
            raise StrategyError(
                f"panel series {name!r}: a point must be a number, got {type(value).__name__}"
            )
        widget.add((self._now() if ts_ns is None else ts_ns, value))

    def row(self, name: str, values: Sequence[Any] | Mapping[str, Any]) -> None:
        """Add a row to the table ``name``: one value per column, or a mapping column -> value
        (missing columns stay empty)."""
        table = self.widgets.get(name)
        if not isinstance(table, Table):
            self._wrong(name, table, "table", "row")
        if isinstance(values, Mapping):
            unknown = [k for k in values if k not in table.columns]
            if unknown:
                raise StrategyError(
                    f"panel table {name!r} has no column {unknown[0]!r} "
                    f"(columns: {', '.join(table.columns)})"
                )
            table.add(tuple(values.get(c) for c in table.columns))
            return
        if isinstance(values, str) or len(values) != len(table.columns):
            raise StrategyError(
                f"panel table {name!r}: a row needs {len(table.columns)} values "
                f"({', '.join(table.columns)}), got {values!r}"
            )
        table.add(tuple(values))

    def line(self, name: str, text: str) -> None:
        """Add a line of text to the log ``name``, stamped with the strategy's clock."""
        widget = self.widgets.get(name)
        if not isinstance(widget, Log):
            self._wrong(name, widget, "log", "line")
        widget.add((self._now(), str(text)))

    # ------------------------------------------------------------------ reads
    def schema(self) -> list[dict[str, Any]]:
        """Every widget's declaration, in order, JSON-ready."""
        return [w.declaration() for w in list(self.widgets.values())]

    def __len__(self) -> int:
        return len(self.widgets)

    # -------------------------------------------------------------- internals
    def _name(self, name: str) -> str:
        if not isinstance(name, str) or not name or name.startswith("divider-"):
            raise StrategyError(
                f"panel of {self.owner!r}: widget name {name!r} is not allowed: use a short "
                "word like 'signal' (not empty, not starting with 'divider-')"
            )
        return name

    def _declare(self, widget: Widget) -> None:
        held = self.widgets.get(widget.name)
        if held is not None and held.kind != widget.kind:
            raise StrategyError(
                f"panel of {self.owner!r}: {widget.name!r} is already declared as a "
                f"{held.kind}: give the {widget.kind} another name"
            )
        self.widgets[widget.name] = widget

    def _now(self) -> int:
        if self._now_ns is None:
            return 0
        return int(self._now_ns())

    def _wrong(self, name: str, widget: Widget | None, kind: str, update: str) -> NoReturn:
        if widget is None:
            declared = [n for n, w in self.widgets.items() if w.kind != "divider"]
            raise StrategyError(
                f"panel of {self.owner!r} has no widget {name!r} (declared: "
                f"{', '.join(declared) or 'none'}): declare it in on_start with "
                f"self.panel.{kind}({name!r}, ...)"
            )
        raise StrategyError(
            f"panel of {self.owner!r}: {name!r} is a {widget.kind}, not a {kind}: "
            f"{update}() updates a {kind}; use {_UPDATES[widget.kind]}() for a {widget.kind}"
        )


_UPDATES = {"kv": "set", "series": "point", "table": "row", "log": "line", "divider": "nothing"}
