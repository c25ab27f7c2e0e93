"""The secrets canary: a bot run at DEBUG with canary API keys and dashboard token, whose
strategy logs the key on purpose, leaks none of them — not in its output, logs, recordings,
state database, summary, metrics or dashboard responses, in no form (raw, any 8-character
piece, URL-encoded, base64)."""

from __future__ import annotations

import base64
import http.client
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

pytest.importorskip("fastapi", reason="the dashboard extra (FastAPI, uvicorn) is not installed")
pytest.importorskip("prometheus_client", reason="the metrics extra is not installed")

LEAKY = '''
"""A strategy that logs its venue key on purpose (the logs must redact it)."""
import os
from decimal import Decimal

from tradewind.strategy import Strategy, StrategyParams


class Leaky(Strategy[StrategyParams]):
    def on_start(self):
        key = os.environ["BINANCE_API_KEY"]
        self.n = 0
        self.log.debug("key is %s", key)
        secret = os.environ["BINANCE_API_SECRET"]
        self.log.info("venue config %r", {"apiKey": key, "secret": secret})
        try:
            raise PermissionError(f"venue refused key {key}")
        except PermissionError:
            self.log.exception("login failed")
        self.subscribe_quotes(self.instruments[0])

    def on_quote(self, quote):
        self.n += 1
        if self.n % 10 == 0:
            (self.buy if self.n % 20 else self.sell)(quote.instrument_id, Decimal("0.001"))
'''

CONFIG = """
[bot]
name = "canary"
shutdown_timeout = "5s"

[[venues]]
name = "SIM"
kind = "mock"
rate_hz = 50
seed = 7
latency_ms = 2
balances = { USDT = "100000" }

[[instruments]]
id = "BTCUSDT.SIM"
tick = "0.01"
lot = "0.001"
price = 60000

[[strategies]]
id = "trend"
strategy = "ma_crossover"
instruments = ["BTCUSDT.SIM"]
params = { fast = 3, slow = 8, size = "0.001" }

[[strategies]]
id = "leaky"
strategy = "leaky.py:Leaky"
instruments = ["BTCUSDT.SIM"]

[record]
audit = true

[log]
path = "logs/bot.log"
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def request(
    port: int, path: str, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    """One HTTP request to 127.0.0.1: status and the whole raw response (headers too)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        head = "".join(f"{k}: {v}\r\n" for k, v in response.getheaders()).encode()
        return response.status, head + b"\r\n" + response.read()
    finally:
        conn.close()


def websocket_message(port: int, path: str = "/ws") -> bytes:
    """The handshake answer and the first text frame a WebSocket server pushes."""
    key = base64.b64encode(os.urandom(16)).decode()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        data = b""
        while b"\r\n\r\n" not in data:
            data += sock.recv(65536) or b""
        head, _, data = data.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101"), head

        def take(n: int) -> bytes:
            nonlocal data
            while len(data) < n:
                chunk = sock.recv(65536)
                assert chunk, "the server closed the WebSocket"
                data += chunk
            out, data = data[:n], data[n:]
            return out

        first, second = take(2)
        assert first & 0x0F == 1, f"expected a text frame, got opcode {first & 0x0F}"
        size = second & 0x7F
        if size == 126:
            size = int.from_bytes(take(2), "big")
        elif size == 127:
            size = int.from_bytes(take(8), "big")
        return head + b"\r\n\r\n" + take(size)


def leak_forms(secret: str) -> set[bytes]:
    """What a leak of ``secret`` could look like: every 8-character piece (so any longer piece
    too, e.g. its uuid), and the URL-encoded and base64 forms of the whole."""
    forms = {secret[i : i + 8] for i in range(len(secret) - 7)}
    forms |= {quote(secret, safe=""), quote_plus(secret)}
    raw = secret.encode()
    for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        forms |= {encoded.decode(), encoded.decode().rstrip("=")}
    return {form.encode() for form in forms}


def wait_until_serving(proc: subprocess.Popen[bytes], port: int, seconds: float = 20.0) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        assert proc.poll() is None, "the bot exited before its dashboard answered"
        try:
            status, _ = request(port, "/api/health")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"no dashboard on 127.0.0.1:{port} after {seconds:.0f}s")


def test_canary_secrets_appear_nowhere(tmp_path: Path) -> None:
    canaries = {
        name: f"TWCANARY-{uuid.uuid4()}"
        for name in ("BINANCE_API_KEY", "BINANCE_API_SECRET", "TRADEWIND_DASHBOARD_TOKEN")
    }
    (tmp_path / "leaky.py").write_text(LEAKY)
    (tmp_path / "bot.toml").write_text(CONFIG)
    metrics_port, dashboard_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEWIND_")}
    env.update(canaries)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tradewind.cli",
            "run",
            "--config",
            "bot.toml",
            "--log-level",
            "DEBUG",
            "--log-format",
            "json",
            "--metrics-port",
            str(metrics_port),
            "--dashboard",
            str(dashboard_port),
            "--record",
            "rec",
            "--store",
            "sqlite:///state/t.db",
            "--summary-json",
            "s.json",
            "--duration",
            "4s",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    responses: dict[str, bytes] = {}
    try:
        wait_until_serving(proc, dashboard_port)
        time.sleep(0.5)  # some quotes, orders and fills to show
        for path in ("/api/strategies", "/api/strategies/leaky", "/api/strategies/leaky/schema"):
            status, responses[path] = request(dashboard_port, path)
            assert status == 200, responses[path]
        status, responses["/api/health"] = request(dashboard_port, "/api/health")
        assert status == 200 and b'"phase":"running"' in responses["/api/health"].replace(b" ", b"")
        responses["/ws"] = websocket_message(dashboard_port)
        assert b'"type":"snapshot"' in responses["/ws"].replace(b" ", b"")
        status, responses["/metrics"] = request(metrics_port, "/metrics")
        assert status == 200 and b"tradewind_" in responses["/metrics"]
        status, responses["pause, no token"] = request(
            dashboard_port, "/api/strategies/trend/pause", "POST"
        )
        assert status == 401
        token = canaries["TRADEWIND_DASHBOARD_TOKEN"]
        status, responses["pause"] = request(
            dashboard_port,
            "/api/strategies/trend/pause",
            "POST",
            {"Authorization": f"Bearer {token}"},
        )
        assert status == 200, responses["pause"]  # the token was read from the environment
        body = json.loads(responses["pause"].partition(b"\r\n\r\n")[2] or b"{}")
        assert body.get("result") == "reducing", body
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err.decode(errors="replace")[-3000:]

    files = {
        str(path.relative_to(tmp_path)): path.read_bytes()
        for path in sorted(tmp_path.rglob("*"))
        if path.is_file()
    }
    assert {"logs/bot.log", "s.json", "state/t.db"} <= set(files), sorted(files)
    assert any(name.startswith("rec/") for name in files), sorted(files)
    searched = {"stdout": out, "stderr": err, **files, **responses}
    hits = [
        f"{name}: {form.decode()!r} of {variable}"
        for variable, secret in canaries.items()
        for form in sorted(leak_forms(secret))
        for name, data in searched.items()
        if form in data
    ]
    assert not hits, "canary leaked:\n" + "\n".join(hits[:40])

    # the strategy did log the key (so the redaction, not silence, kept it out)
    records = [json.loads(line) for line in files["logs/bot.log"].decode().splitlines()]
    said: dict[str, Any] = {r["msg"]: r for r in records if r.get("strategy") == "leaky"}
    assert said["key is ***"]["bot"] == "canary" and said["key is ***"]["level"] == "DEBUG"
    assert "'apiKey': '***'" in next(m for m in said if m.startswith("venue config"))
    assert "PermissionError: venue refused key ***" in said["login failed"]["exc"]
    assert any(r["logger"] == "tradewind.orders" and r.get("order") for r in records)
    assert b'"msg": "key is ***"' in err  # stderr carries the same JSON lines
