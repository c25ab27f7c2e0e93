// tradewind dashboard: a tab per strategy, updated from the bot's WebSocket; controls over REST.
// Everything the page shows is set with textContent (never parsed as HTML). The control token
// lives only in memory (the input field): it is never stored.
"use strict";

(function () {
  const MAX_POINTS = 1200;
  const MAX_MARKERS = 500;
  const $ = (id) => document.getElementById(id);

  const state = {
    active: null,
    order: [],
    snaps: {},
    buffers: {},
    schemas: {},
    views: {},
    messages: 0,
    kind: "bot",
    retry: 500,
  };

  // ----------------------------------------------------------------- formatting
  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // Display only: the exact decimal string is kept in the element's title.
  function amount(text, digits) {
    if (text === null || text === undefined || text === "") return "—";
    const n = Number(text);
    if (!isFinite(n)) return String(text);
    if (digits === undefined) digits = 8;
    else if (Math.abs(n) < 1 && n !== 0) digits = Math.max(digits, 6);
    return n.toLocaleString("en-US", { maximumFractionDigits: digits });
  }

  function signClass(text) {
    const n = Number(text);
    if (!text || !isFinite(n) || n === 0) return "";
    return n > 0 ? "pos" : "neg";
  }

  function clock(ms) {
    if (!ms) return "—";
    return new Date(ms).toISOString().slice(11, 19);
  }

  function setAmount(node, text, digits) {
    node.textContent = amount(text, digits);
    node.title = text === null || text === undefined ? "" : String(text);
    node.classList.remove("pos", "neg");
    const cls = signClass(text);
    if (cls) node.classList.add(cls);
  }

  function badge(node, value) {
    node.textContent = value || "—";
    node.className = "badge " + ({
      enabled: "ok", running: "ok", live: "ok", finished: "muted",
      reducing: "warn", loading: "muted", recovering: "warn", starting: "warn", stopping: "warn",
      halted: "bad", failed: "bad", stopped: "muted",
    }[value] || "muted");
  }

  // ------------------------------------------------------------------- buffers
  function buffer(sid) {
    if (!state.buffers[sid]) state.buffers[sid] = { prices: {}, widgets: {} };
    return state.buffers[sid];
  }

  function append(list, items, limit, timed) {
    for (const item of items) {
      if (timed && list.length && item[0] < list[list.length - 1][0]) continue;
      list.push(item);
    }
    if (list.length > limit) list.splice(0, list.length - limit);
  }

  function merge(sid, snap, full) {
    const buf = buffer(sid);
    if (full) {
      buf.prices = {};
      buf.widgets = {};
    }
    for (const [iid, series] of Object.entries(snap.prices || {})) {
      const held = buf.prices[iid] || (buf.prices[iid] = { points: [], markers: [] });
      append(held.points, series.points, MAX_POINTS, true);
      append(held.markers, series.markers, MAX_MARKERS, false);
    }
    for (const [name, widget] of Object.entries(snap.widgets || {})) {
      if (widget.kind === "kv") {
        buf.widgets[name] = widget.value;
        continue;
      }
      const held = Array.isArray(buf.widgets[name]) ? buf.widgets[name] : (buf.widgets[name] = []);
      append(held, widget.items, widget.limit, widget.kind === "series");
    }
    state.snaps[sid] = snap;
  }

  // ---------------------------------------------------------------------- views
  function table(headers) {
    const wrap = el("div", "table-wrap");
    const t = el("table");
    const head = el("thead");
    const row = el("tr");
    for (const h of headers) row.appendChild(el("th", null, h));
    head.appendChild(row);
    t.appendChild(head);
    const body = el("tbody");
    t.appendChild(body);
    wrap.appendChild(t);
    return { wrap: wrap, body: body, columns: headers.length };
  }

  function fillRows(tbl, rows, emptyText) {
    const body = tbl.body;
    body.textContent = "";
    if (!rows.length) {
      const tr = el("tr", "none");
      const td = el("td", null, emptyText);
      td.colSpan = tbl.columns;
      tr.appendChild(td);
      body.appendChild(tr);
      return;
    }
    for (const cells of rows) {
      const tr = el("tr");
      for (const cell of cells) {
        if (cell instanceof Node) {
          const td = el("td");
          td.appendChild(cell);
          tr.appendChild(td);
        } else {
          tr.appendChild(el("td", null, cell === null || cell === undefined ? "" : String(cell)));
        }
      }
      body.appendChild(tr);
    }
  }

  function side(text) {
    return el("span", text === "BUY" ? "side buy" : "side sell", text);
  }

  function card(title, cls) {
    const box = el("section", "card " + (cls || ""));
    const head = el("h3", null, title);
    box.appendChild(head);
    return box;
  }

  function buildView(sid) {
    const panel = el("div", "panel");
    panel.id = "panel-" + sid;
    panel.setAttribute("role", "tabpanel");
    panel.hidden = true;

    const grid = el("div", "grid");
    panel.appendChild(grid);

    const pnlCard = card("PnL", "pnl");
    const pnlRow = el("div", "figures");
    const figure = (label) => {
      const f = el("div", "figure");
      f.appendChild(el("div", "figure-label", label));
      const v = el("div", "figure-value", "—");
      f.appendChild(v);
      pnlRow.appendChild(f);
      return v;
    };
    const realized = figure("Realized");
    const unrealized = figure("Unrealized");
    const total = figure("Total");
    pnlCard.appendChild(pnlRow);
    const currency = el("div", "note", "");
    pnlCard.appendChild(currency);
    grid.appendChild(pnlCard);

    const riskCard = card("Risk state", "risk");
    const riskState = el("span", "badge big muted", "—");
    riskState.dataset.role = "risk-state";
    riskCard.appendChild(riskState);
    const riskReason = el("div", "note", "");
    riskCard.appendChild(riskReason);
    const riskAccount = el("div", "note", "");
    riskCard.appendChild(riskAccount);
    const denials = el("div", "note", "");
    riskCard.appendChild(denials);
    grid.appendChild(riskCard);

    const posCard = card("Position", "wide");
    const positions = table(["Instrument", "Quantity", "Avg price", "Mark", "Unrealized", "Realized"]);
    posCard.appendChild(positions.wrap);
    grid.appendChild(posCard);

    const chartCard = card("Price", "full charts");
    const chartBox = el("div", "chart-list");
    chartCard.appendChild(chartBox);
    grid.appendChild(chartCard);

    const ordersCard = card("Open orders", "half");
    const orders = table(["Order", "Instrument", "Side", "Type", "Quantity", "Filled", "Price", "Status"]);
    ordersCard.appendChild(orders.wrap);
    grid.appendChild(ordersCard);

    const fillsCard = card("Recent fills", "half");
    const fills = table(["Time", "Instrument", "Side", "Quantity", "Price", "Fee", "Liq."]);
    fillsCard.appendChild(fills.wrap);
    grid.appendChild(fillsCard);

    const custom = el("div", "custom");
    panel.appendChild(custom);

    $("panels").appendChild(panel);

    const tab = el("button", "tab");
    tab.id = "tab-" + sid;
    tab.type = "button";
    tab.setAttribute("role", "tab");
    tab.dataset.strategy = sid;
    tab.appendChild(el("span", "tab-name", sid));
    const tabState = el("span", "badge muted", "—");
    tab.appendChild(tabState);
    tab.addEventListener("click", () => select(sid));
    $("tabs").appendChild(tab);

    state.views[sid] = {
      panel, tab, tabState, realized, unrealized, total, currency,
      riskState, riskReason, riskAccount, denials, positions, orders, fills,
      chartBox, charts: {}, custom, widgets: {}, widgetNames: "",
    };
    loadSchema(sid);
  }

  function loadSchema(sid) {
    const view = state.views[sid];
    if (view.schemaLoading) return;
    view.schemaLoading = true;
    fetch("/api/strategies/" + encodeURIComponent(sid) + "/schema")
      .then((r) => (r.ok ? r.json() : null))
      .then((schema) => {
        view.schemaLoading = false;
        if (!schema) return;
        state.schemas[sid] = schema;
        buildWidgets(sid, schema.widgets);
        render(sid);
      })
      .catch(() => {
        view.schemaLoading = false;
      });
  }

  function buildWidgets(sid, widgets) {
    const view = state.views[sid];
    view.custom.textContent = "";
    view.widgets = {};
    view.widgetNames = widgets.filter((w) => w.kind !== "divider").map((w) => w.name).sort().join(",");
    if (!widgets.length) return;
    view.custom.appendChild(el("h2", "section", "Strategy widgets"));
    let grid = el("div", "grid");
    view.custom.appendChild(grid);
    let kvCard = null;
    for (const w of widgets) {
      if (w.kind !== "kv") kvCard = null;
      if (w.kind === "divider") {
        view.custom.appendChild(el("h2", "section divider", w.label || ""));
        grid = el("div", "grid");
        view.custom.appendChild(grid);
      } else if (w.kind === "kv") {
        if (!kvCard) {
          kvCard = el("section", "card kvs full");
          grid.appendChild(kvCard);
        }
        const tile = el("div", "kv");
        tile.appendChild(el("div", "figure-label", w.label));
        const value = el("div", "kv-value", "—");
        tile.appendChild(value);
        kvCard.appendChild(tile);
        view.widgets[w.name] = { kind: "kv", node: value };
      } else if (w.kind === "series") {
        const box = card(w.label, "full");
        const canvas = el("canvas", "chart small");
        box.appendChild(canvas);
        grid.appendChild(box);
        view.widgets[w.name] = { kind: "series", chart: new window.TradewindChart.LineChart(canvas, { color: "#d2a8ff" }) };
      } else if (w.kind === "table") {
        const box = card(w.label, "half");
        const tbl = table(w.columns);
        box.appendChild(tbl.wrap);
        grid.appendChild(box);
        view.widgets[w.name] = { kind: "table", table: tbl };
      } else if (w.kind === "log") {
        const box = card(w.label, "half");
        const list = el("ol", "log");
        box.appendChild(list);
        grid.appendChild(box);
        view.widgets[w.name] = { kind: "log", node: list };
      }
    }
  }

  function chartFor(view, iid) {
    let entry = view.charts[iid];
    if (!entry) {
      const box = el("div", "chart-box");
      const head = el("div", "chart-head");
      head.appendChild(el("span", "chart-title", iid));
      const last = el("span", "chart-last", "");
      head.appendChild(last);
      const legend = el("span", "legend");
      legend.appendChild(el("span", "side buy", "▲ buy"));
      legend.appendChild(el("span", "side sell", "▼ sell"));
      head.appendChild(legend);
      box.appendChild(head);
      const canvas = el("canvas", "chart");
      canvas.dataset.instrument = iid;
      box.appendChild(canvas);
      view.chartBox.appendChild(box);
      entry = view.charts[iid] = { chart: new window.TradewindChart.LineChart(canvas, { markers: true }), last: last };
    }
    return entry;
  }

  // --------------------------------------------------------------------- render
  function renderTab(sid) {
    const snap = state.snaps[sid];
    const view = state.views[sid];
    if (!snap || !view) return;
    badge(view.tabState, snap.risk.state);
  }

  function render(sid) {
    const snap = state.snaps[sid];
    const view = state.views[sid];
    if (!snap || !view) return;
    const ccy = snap.pnl.currency || "";
    setAmount(view.realized, snap.pnl.realized, 2);
    setAmount(view.unrealized, snap.pnl.unrealized, 2);
    setAmount(view.total, snap.pnl.total, 2);
    view.currency.textContent = snap.pnl.error ? snap.pnl.error : "in " + ccy + " (hover a figure for its exact value)";

    badge(view.riskState, snap.risk.state);
    view.riskState.dataset.role = "risk-state";
    view.riskReason.textContent = snap.risk.reason ? "why: " + snap.risk.reason : "trading freely";
    view.riskAccount.textContent = "account: " + snap.risk.account;
    const d = Object.entries(snap.risk.denials || {});
    view.denials.textContent = d.length ? "denials: " + d.map(([k, v]) => k + " " + v).join(", ") : "no denials";

    fillRows(view.positions, snap.positions.map((p) => {
      const q = el("span", signClass(p.quantity), amount(p.quantity));
      q.title = p.quantity;
      const u = el("span", signClass(p.unrealized_pnl), amount(p.unrealized_pnl, 2));
      u.title = p.unrealized_pnl || "";
      const r = el("span", signClass(p.realized_pnl), amount(p.realized_pnl, 2));
      r.title = p.realized_pnl;
      return [p.instrument_id, q, amount(p.avg_price), amount(p.mark), u, r];
    }), "flat: no position");

    fillRows(view.orders, snap.open_orders.map((o) => [
      o.client_order_id, o.instrument_id, side(o.side), o.type, amount(o.quantity),
      amount(o.filled), o.price === null ? (o.trigger_price === null ? "market" : "stop " + amount(o.trigger_price)) : amount(o.price),
      o.status.toLowerCase(),
    ]), "no open orders");

    fillRows(view.fills, snap.fills.map((f) => [
      clock(f.ts_ms), f.instrument_id, side(f.side), amount(f.quantity), amount(f.price),
      amount(f.fee) + " " + f.fee_currency, f.liquidity.toLowerCase(),
    ]), "no fills yet");

    const buf = buffer(sid);
    for (const iid of snap.instruments) {
      const entry = chartFor(view, iid);
      const series = buf.prices[iid] || { points: [], markers: [] };
      entry.chart.setData(series.points, series.markers);
      const last = series.points.length ? series.points[series.points.length - 1][1] : null;
      entry.last.textContent = last === null ? "" : amount(String(last), 8);
      if (!view.panel.hidden) entry.chart.draw();
    }

    const names = Object.keys(snap.widgets || {}).sort().join(",");
    if (state.schemas[sid] && names !== view.widgetNames) loadSchema(sid);
    for (const [name, widget] of Object.entries(view.widgets)) {
      const value = buf.widgets[name];
      if (widget.kind === "kv") {
        widget.node.textContent = value === null || value === undefined ? "—" : String(value);
      } else if (widget.kind === "series") {
        widget.chart.setData(value || [], []);
        if (!view.panel.hidden) widget.chart.draw();
      } else if (widget.kind === "table") {
        fillRows(widget.table, (value || []).slice().reverse(), "no rows yet");
      } else if (widget.kind === "log") {
        widget.node.textContent = "";
        for (const [ts, text] of (value || []).slice(-200).reverse()) {
          const li = el("li");
          li.appendChild(el("time", null, clock(ts)));
          li.appendChild(el("span", null, text));
          widget.node.appendChild(li);
        }
      }
    }
  }

  function select(sid) {
    state.active = sid;
    for (const [id, view] of Object.entries(state.views)) {
      const on = id === sid;
      view.panel.hidden = !on;
      view.tab.classList.toggle("active", on);
      view.tab.setAttribute("aria-selected", on ? "true" : "false");
    }
    if (history.replaceState) history.replaceState(null, "", "#" + encodeURIComponent(sid));
    $("btn-pause").textContent = "Pause " + sid;
    $("btn-resume").textContent = "Resume " + sid;
    render(sid);
  }

  function header(msg) {
    const h = msg.health || {};
    $("bot-name").textContent = msg.bot;
    badge($("bot-kind"), msg.kind);
    badge($("bot-phase"), h.phase);
    badge($("account-state"), h.trading);
    const driver = h.driver || {};
    $("loop-lag").textContent = driver.loop_lag_ms === undefined ? "—" : driver.loop_lag_ms.toFixed(1) + " ms";
    $("queue-depth").textContent = driver.queue_depth === undefined ? "—" : String(driver.queue_depth);
    $("updated").textContent = clock(h.clock_ms || msg.ts_ms); // a replay shows its own clock
    document.title = msg.bot + " · tradewind";
    state.kind = msg.kind;
    document.body.classList.toggle("replay", msg.kind === "replay");
  }

  function handle(msg) {
    if (msg.type !== "snapshot") return;
    state.messages += 1;
    header(msg);
    state.order = msg.order;
    for (const sid of msg.order) {
      if (!state.views[sid]) buildView(sid);
      merge(sid, msg.strategies[sid], msg.full);
      renderTab(sid);
    }
    $("empty").hidden = msg.order.length > 0;
    if (!state.active || !state.views[state.active]) {
      const wanted = decodeURIComponent(location.hash.slice(1));
      const first = msg.order.includes(wanted) ? wanted : msg.order[0];
      if (first) select(first);
    } else {
      render(state.active);
    }
  }

  // ----------------------------------------------------------------- connection
  function connection(status, text) {
    $("connection").dataset.state = status;
    $("connection-text").textContent = text;
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const ws = new WebSocket(scheme + location.host + "/ws");
    ws.onopen = () => {
      state.retry = 500;
      connection("live", "live");
    };
    ws.onmessage = (event) => handle(JSON.parse(event.data));
    ws.onclose = () => {
      connection("down", "reconnecting…");
      setTimeout(connect, state.retry);
      state.retry = Math.min(state.retry * 2, 5000);
    };
  }

  // ------------------------------------------------------------------- controls
  function toast(text, kind) {
    const node = $("toast");
    node.textContent = text;
    node.className = "toast " + (kind || "");
  }

  function confirmAction(text) {
    return new Promise((resolve) => {
      const box = $("confirm");
      $("confirm-text").textContent = text;
      box.hidden = false;
      const done = (answer) => {
        box.hidden = true;
        $("confirm-yes").onclick = null;
        $("confirm-no").onclick = null;
        resolve(answer);
      };
      $("confirm-yes").onclick = () => done(true);
      $("confirm-no").onclick = () => done(false);
      $("confirm-yes").focus();
    });
  }

  const ACTIONS = {
    pause: (sid) => ({ url: "/api/strategies/" + encodeURIComponent(sid) + "/pause", text: "Pause " + sid + "? It may then only reduce its positions." }),
    resume: (sid) => ({ url: "/api/strategies/" + encodeURIComponent(sid) + "/resume", text: "Resume " + sid + "? It may open positions again." }),
    cancel_all: () => ({ url: "/api/cancel_all", text: "Cancel every working order of every strategy?" }),
    close_all: () => ({ url: "/api/close_all", text: "Close every position of every strategy with market orders?" }),
    kill: () => ({ url: "/api/kill", text: "Kill switch: halt all trading, cancel every order and flatten every position?" }),
  };

  async function control(command) {
    const sid = state.active;
    if (state.kind === "replay") {
      toast("controls are not available in a replay", "bad");
      return;
    }
    const token = $("token").value.trim();
    if (!token) {
      toast("enter the control token first (TRADEWIND_DASHBOARD_TOKEN)", "bad");
      $("token").focus();
      return;
    }
    const action = ACTIONS[command](sid);
    if (!(await confirmAction(action.text))) return;
    try {
      const response = await fetch(action.url, { method: "POST", headers: { Authorization: "Bearer " + token } });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) {
        toast(command + " refused (" + response.status + "): " + (body.error || response.statusText), "bad");
        return;
      }
      const result = Array.isArray(body.result) ? body.result.length + " orders" : String(body.result);
      toast(command.replace("_", " ") + (body.strategy ? " " + body.strategy : "") + ": " + result, "ok");
    } catch (err) {
      toast(command + " failed: " + err, "bad");
    }
  }

  function setup() {
    $("controls").addEventListener("submit", (e) => e.preventDefault());
    for (const button of document.querySelectorAll("[data-command]")) {
      button.addEventListener("click", () => control(button.dataset.command));
    }
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && !$("confirm").hidden) $("confirm-no").click();
    });
    window.addEventListener("resize", () => state.active && render(state.active));
    connect();
  }

  // A small hook for tests and curious operators.
  window.tradewind = {
    points: (sid, iid) => {
      const view = state.views[sid];
      const entry = view && view.charts[iid];
      return entry ? entry.chart.drawn : 0;
    },
    active: () => state.active,
    strategies: () => state.order.slice(),
    messages: () => state.messages,
    trading: (sid) => (state.snaps[sid] ? state.snaps[sid].risk.state : null),
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
