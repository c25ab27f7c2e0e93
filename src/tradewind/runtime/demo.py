"""The demo bot: three built-in strategies on three symbols of the mock venue, for a short run."""

from __future__ import annotations

import tomllib

from tradewind.runtime.config import BotConfig

DEMO_TOML = """
[bot]
name = "demo"
duration = "15s"
shutdown_timeout = "10s"

[[venues]]
name = "SIM"
kind = "mock"           # synthetic random-walk feed + the simulated venue, inside the bot
rate_hz = 20            # 20 quote steps a second for each subscribed symbol
seed = 7
volatility = 4.0
taker_bps = "5"
maker_bps = "1"
latency_ms = 20
balances = { USDT = "100000" }

[[instruments]]
id = "BTCUSDT.SIM"
tick = "0.01"
lot = "0.0001"
price = 60000

[[instruments]]
id = "ETHUSDT.SIM"
tick = "0.01"
lot = "0.001"
price = 3000

[[instruments]]
id = "SOLUSDT.SIM"
tick = "0.001"
lot = "0.01"
price = 150

[[strategies]]
id = "btc_trend"
strategy = "ma_crossover"
instruments = ["BTCUSDT.SIM"]
params = { fast = 5, slow = 20, size = "0.05" }

[[strategies]]
id = "eth_revert"
strategy = "mean_reversion"
instruments = ["ETHUSDT.SIM"]
params = { window = 20, entry_bps = 4, exit_bps = 0, size = "1" }

[[strategies]]
id = "majors_momentum"
strategy = "momentum"
instruments = ["BTCUSDT.SIM", "SOLUSDT.SIM"]
params = { lookback = 10, threshold_bps = 8, size = "0.02" }

[risk]
max_order_notional = "10000"
max_orders_per_second = 20

[store]
url = "memory"

[feed]
max_quiet = "5s"
"""


def demo_config() -> BotConfig:
    """The demo bot's configuration (also printed by ``tradewind demo --show-config``)."""
    return BotConfig.parse(tomllib.loads(DEMO_TOML), "demo config")
