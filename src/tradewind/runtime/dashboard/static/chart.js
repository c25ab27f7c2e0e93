// tradewind's small line chart: a time series on a canvas, with buy/sell trade markers.
// No dependencies; the dashboard ships it so the page works offline.
"use strict";

(function () {
  const COLORS = {
    grid: "#223041",
    axis: "#7d8da1",
    line: "#58a6ff",
    fill: "rgba(88, 166, 255, 0.08)",
    buy: "#3fb950",
    sell: "#f85149",
    last: "#e6edf3",
  };
  const PAD = { left: 8, right: 74, top: 12, bottom: 24 };

  function niceStep(range, count) {
    if (!(range > 0)) return 1;
    const raw = range / Math.max(1, count);
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    const unit = raw / power;
    const nice = unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 2.5 ? 2.5 : unit <= 5 ? 5 : 10;
    return nice * power;
  }

  function decimalsFor(step) {
    let d = 0;
    while (d < 8 && Math.abs(Math.round(step * Math.pow(10, d)) - step * Math.pow(10, d)) > 1e-6) d += 1;
    return d;
  }

  function utcTime(ms, withSeconds) {
    const d = new Date(ms);
    const two = (n) => String(n).padStart(2, "0");
    const hm = two(d.getUTCHours()) + ":" + two(d.getUTCMinutes());
    return withSeconds ? hm + ":" + two(d.getUTCSeconds()) : hm;
  }

  const TIME_STEPS = [1e3, 2e3, 5e3, 1e4, 15e3, 3e4, 6e4, 12e4, 3e5, 6e5, 9e5, 18e5, 36e5, 72e5, 216e5, 432e5, 864e5];

  class LineChart {
    /** A chart drawing into ``canvas``; ``options.markers`` draws trade markers. */
    constructor(canvas, options) {
      this.canvas = canvas;
      this.options = Object.assign({ markers: false, color: COLORS.line, empty: "waiting for data…" }, options || {});
      this.points = [];
      this.markers = [];
      this.drawn = 0;
    }

    /** Replace what the chart shows: points [[ts_ms, value]], markers [[ts_ms, price, side, qty]]. */
    setData(points, markers) {
      this.points = points || [];
      this.markers = markers || [];
    }

    /** Draw at the canvas's current size; returns how many points were drawn. */
    draw() {
      const canvas = this.canvas;
      const width = canvas.clientWidth;
      const height = canvas.clientHeight;
      if (!width || !height) return this.drawn;
      const ratio = window.devicePixelRatio || 1;
      if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
        canvas.width = Math.round(width * ratio);
        canvas.height = Math.round(height * ratio);
      }
      const ctx = canvas.getContext("2d");
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.clearRect(0, 0, width, height);
      ctx.font = "11px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace";

      const points = this.points.filter((p) => p[1] !== null && isFinite(p[1]));
      if (points.length === 0) {
        ctx.fillStyle = COLORS.axis;
        ctx.textAlign = "center";
        ctx.fillText(this.options.empty, width / 2, height / 2);
        this.drawn = 0;
        return 0;
      }
      const t0 = points[0][0];
      const t1 = Math.max(points[points.length - 1][0], t0 + 1000);
      const markers = this.options.markers ? this.markers.filter((m) => m[0] >= t0 && m[0] <= t1) : [];
      let lo = Infinity;
      let hi = -Infinity;
      for (const p of points) {
        if (p[1] < lo) lo = p[1];
        if (p[1] > hi) hi = p[1];
      }
      for (const m of markers) {
        if (m[1] < lo) lo = m[1];
        if (m[1] > hi) hi = m[1];
      }
      if (hi - lo < Math.abs(hi) * 1e-9 || hi === lo) {
        const pad = Math.abs(hi) * 0.001 || 1;
        lo -= pad;
        hi += pad;
      }
      const span = hi - lo;
      lo -= span * 0.08;
      hi += span * 0.08;

      const left = PAD.left;
      const right = width - PAD.right;
      const top = PAD.top;
      const bottom = height - PAD.bottom;
      const x = (t) => left + ((t - t0) / (t1 - t0)) * (right - left);
      const y = (v) => bottom - ((v - lo) / (hi - lo)) * (bottom - top);

      // grid and value axis
      const step = niceStep(hi - lo, Math.max(2, Math.floor((bottom - top) / 40)));
      const decimals = decimalsFor(step);
      ctx.strokeStyle = COLORS.grid;
      ctx.lineWidth = 1;
      ctx.fillStyle = COLORS.axis;
      ctx.textAlign = "left";
      ctx.textBaseline = "middle";
      for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) {
        const yy = Math.round(y(v)) + 0.5;
        ctx.beginPath();
        ctx.moveTo(left, yy);
        ctx.lineTo(right, yy);
        ctx.stroke();
        ctx.fillText(v.toFixed(decimals), right + 6, yy);
      }
      // time axis
      const wanted = Math.max(2, Math.floor((right - left) / 90));
      const tstep = TIME_STEPS.find((s) => (t1 - t0) / s <= wanted) || TIME_STEPS[TIME_STEPS.length - 1];
      ctx.textAlign = "center";
      ctx.textBaseline = "top";
      for (let t = Math.ceil(t0 / tstep) * tstep; t <= t1; t += tstep) {
        const xx = Math.round(x(t)) + 0.5;
        ctx.beginPath();
        ctx.moveTo(xx, top);
        ctx.lineTo(xx, bottom);
        ctx.stroke();
        ctx.fillText(utcTime(t, tstep < 6e4), xx, bottom + 6);
      }
      ctx.textAlign = "right";
      ctx.fillText("UTC", width - 4, bottom + 6);

      // the series, with a faint area under it
      ctx.beginPath();
      points.forEach((p, i) => (i ? ctx.lineTo(x(p[0]), y(p[1])) : ctx.moveTo(x(p[0]), y(p[1]))));
      ctx.strokeStyle = this.options.color;
      ctx.lineWidth = 1.5;
      ctx.lineJoin = "round";
      ctx.stroke();
      ctx.lineTo(x(points[points.length - 1][0]), bottom);
      ctx.lineTo(x(points[0][0]), bottom);
      ctx.closePath();
      ctx.fillStyle = COLORS.fill;
      ctx.fill();

      // trade markers: green triangles up for buys, red down for sells
      for (const m of markers) {
        const buy = m[2] === "BUY";
        const mx = x(m[0]);
        const my = y(m[1]);
        ctx.beginPath();
        if (buy) {
          ctx.moveTo(mx, my + 2);
          ctx.lineTo(mx - 5, my + 11);
          ctx.lineTo(mx + 5, my + 11);
        } else {
          ctx.moveTo(mx, my - 2);
          ctx.lineTo(mx - 5, my - 11);
          ctx.lineTo(mx + 5, my - 11);
        }
        ctx.closePath();
        ctx.fillStyle = buy ? COLORS.buy : COLORS.sell;
        ctx.fill();
      }

      // the last value, tagged on the axis
      const last = points[points.length - 1][1];
      const ly = Math.min(bottom - 8, Math.max(top + 8, y(last)));
      ctx.fillStyle = this.options.color;
      ctx.fillRect(right + 2, ly - 8, PAD.right - 4, 16);
      ctx.fillStyle = "#0d1117";
      ctx.textAlign = "left";
      ctx.textBaseline = "middle";
      ctx.fillText(last.toFixed(Math.max(decimals, 2)), right + 6, ly);

      this.drawn = points.length;
      return this.drawn;
    }
  }

  window.TradewindChart = { LineChart: LineChart };
})();
