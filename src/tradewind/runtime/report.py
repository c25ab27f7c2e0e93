"""The summary a live bot leaves when it stops, and the text a person reads of it."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from tradewind.runtime.output import converted_amount

if TYPE_CHECKING:
    from tradewind.runtime.bot import Bot


def bot_summary(bot: Bot) -> dict[str, Any]:
    """Orders, fills, positions, PnL, denials, recovery and health of a bot's run (JSON-ready)."""
    out: dict[str, Any] = {"bot": bot.name, "mode": bot.mode, "phase": bot.phase}
    if bot.error:
        out["error"] = bot.error
    if not hasattr(bot, "portfolio"):
        return out
    orders = list(bot.engine.cache.orders.values())
    statuses = Counter(o.status.value for o in orders)
    portfolio = bot.portfolio
    currency = portfolio.base_currency
    snapshot = portfolio.snapshot()
    per_strategy: dict[str, dict[str, Any]] = {}
    for strategy in bot.strategies:
        mine = [o for o in orders if o.strategy_id == strategy.id]
        per_strategy[strategy.id] = {
            "instruments": [str(i) for i in strategy.instruments],
            "orders": len(mine),
            "filled": sum(1 for o in mine if o.filled_quantity),
        }
    stats = bot.driver.stats()
    out.update(
        {
            "run": bot.run_number,
            "uptime_s": round(bot.health().get("uptime_s", 0.0), 1),
            "events": stats["processed"],
            "orders": len(orders),
            "orders_by_status": dict(sorted(statuses.items())),
            "fills": snapshot.get("fills", 0) - int(bot.recovery.get("fills_replayed", 0)),
            "fills_recovered": int(bot.recovery.get("fills_replayed", 0)),
            "currency": currency,
            "realized_pnl": converted_amount(portfolio.realized_pnl_in, currency),
            "unrealized_pnl": converted_amount(portfolio.unrealized_pnl_in, currency),
            "fees": converted_amount(portfolio.fees_in, currency),
            "equity": converted_amount(portfolio.equity, currency),
            "positions": {
                row["instrument_id"]: row["quantity"]
                for row in snapshot.get("positions", [])
                if row["quantity"] not in ("0", 0)
            },
            "strategies": per_strategy,
            "denials": bot.risk.summary()["denials"],
            "halts": bot.risk.summary()["halts"],
            "recovery": bot.recovery,
            "queue_max_depth": stats["queue_max_depth"],
            "conflated": stats["conflated"],
            "loop_lag_max_ms": round(stats["loop_lag_max_ms"], 2),
            "services": {
                name: {"phase": h["phase"], "restarts": h["restarts"]}
                for name, h in bot.supervisor.health().items()
            },
        }
    )
    if bot.recording is not None:
        out["recorded"] = bot.recording.paths()
    return out


def format_summary(summary: dict[str, Any]) -> str:
    """The summary as aligned ``key  value`` lines for a terminal."""
    ccy = summary.get("currency") or ""
    rows: list[tuple[str, str]] = [
        ("bot", f"{summary['bot']} (mode {summary['mode']}, run {summary.get('run', '-')})"),
        ("ended", summary["phase"] + (f": {summary['error']}" if summary.get("error") else "")),
    ]
    if "events" in summary:
        statuses = ", ".join(f"{k.lower()} {v}" for k, v in summary["orders_by_status"].items())
        earlier = summary.get("fills_recovered", 0)
        recovered = f" (and {earlier:,} from earlier runs)" if earlier else ""
        rows += [
            ("uptime", f"{summary['uptime_s']} s"),
            ("events", f"{summary['events']:,}"),
            ("orders / fills", f"{summary['orders']:,} / {summary['fills']:,}{recovered}"),
            ("order outcomes", statuses or "-"),
            ("realized PnL", f"{summary['realized_pnl']} {ccy}"),
            ("unrealized PnL", f"{summary['unrealized_pnl']} {ccy}"),
            ("fees", f"{summary['fees']} {ccy}"),
            ("equity", f"{summary['equity']} {ccy}"),
        ]
        positions = ", ".join(f"{k} {v}" for k, v in summary["positions"].items())
        rows.append(("positions", positions or "flat"))
        for sid, s in summary["strategies"].items():
            rows.append((f"  {sid}", f"{s['orders']} orders on {', '.join(s['instruments'])}"))
        if summary["denials"]:
            rows.append(("denials", ", ".join(f"{k} {v}" for k, v in summary["denials"].items())))
        restarts = {n: s["restarts"] for n, s in summary["services"].items() if s["restarts"]}
        rows.append(("restarts", ", ".join(f"{n} {c}" for n, c in restarts.items()) or "none"))
        rows.append(("loop lag max", f"{summary['loop_lag_max_ms']} ms"))
        if summary.get("recorded"):
            rows.append(("recorded", f"{len(summary['recorded'])} files"))
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k.ljust(width)}  {v}" for k, v in rows)
