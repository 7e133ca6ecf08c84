// The Tradewind node dashboard: renders each snapshot pushed over /ws (no libraries).
"use strict";

const $ = (id) => document.getElementById(id);

function cell(text, cls) {
  const td = document.createElement("td");
  td.textContent = text === null || text === undefined ? "–" : String(text);
  if (cls) td.className = cls;
  return td;
}

function fillRows(tableId, rows, toCells, attrs) {
  const body = $(tableId).tBodies[0];
  const fragment = document.createDocumentFragment();
  for (const row of rows) {
    const tr = document.createElement("tr");
    for (const c of toCells(row)) tr.appendChild(Array.isArray(c) ? cell(c[0], c[1]) : cell(c));
    if (attrs) for (const [k, v] of Object.entries(attrs(row))) tr.dataset[k] = v;
    fragment.appendChild(tr);
  }
  body.replaceChildren(fragment);
}

function number(value, unit) {
  if (value === null || value === undefined) return null;
  if (unit === "ratio") return (value * 100).toFixed(2) + " %";
  if (unit === "ms") return value.toFixed(1) + " ms";
  const digits = Math.abs(value) >= 1000 ? 2 : 6;
  return Number(value.toFixed(digits)).toLocaleString("en-US", { maximumFractionDigits: digits }) +
    (unit && unit !== "count" && unit !== "x" ? " " + unit : unit === "x" ? "×" : "");
}

function limitText(m) {
  if (m.limit === null) return null;
  const sign = { max: "≤ ", min: "≥ ", abs_max: "± " }[m.direction] || "";
  return sign + number(m.limit, m.unit);
}

function drawChart(canvasId, points) {
  const canvas = $(canvasId);
  const ctx = canvas.getContext("2d");
  const w = canvas.width, h = canvas.height, pad = 28;
  ctx.clearRect(0, 0, w, h);
  ctx.font = "11px system-ui";
  ctx.fillStyle = "#718096";
  if (!points.length) { ctx.fillText("no data yet", pad, h / 2); return; }
  const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
  let lo = Math.min(...ys), hi = Math.max(...ys);
  if (hi === lo) { hi += Math.abs(hi) * 0.01 || 1; lo -= Math.abs(lo) * 0.01 || 1; }
  const x0 = xs[0], x1 = Math.max(xs[xs.length - 1], x0 + 1);
  const X = (x) => pad + ((x - x0) / (x1 - x0)) * (w - 2 * pad);
  const Y = (y) => h - pad + 10 - ((y - lo) / (hi - lo)) * (h - 2 * pad);
  ctx.strokeStyle = "#e2e8f0";
  ctx.beginPath(); ctx.moveTo(pad, Y(lo)); ctx.lineTo(w - pad, Y(lo)); ctx.stroke();
  ctx.fillText(hi.toPrecision(6), 2, Y(hi) - 2);
  ctx.fillText(lo.toPrecision(6), 2, Y(lo) + 12);
  ctx.strokeStyle = "#2b6cb0"; ctx.lineWidth = 2;
  ctx.beginPath();
  points.forEach((p, i) => (i ? ctx.lineTo(X(p[0]), Y(p[1])) : ctx.moveTo(X(p[0]), Y(p[1]))));
  if (points.length === 1) ctx.arc(X(points[0][0]), Y(points[0][1]), 2, 0, 2 * Math.PI);
  ctx.stroke();
  canvas.dataset.points = String(points.length);
}

function time(ms) { return new Date(ms).toISOString().substring(11, 23); }

function render(s) {
  $("node-name").textContent = s.node.name;
  const state = $("trading-state");
  state.textContent = s.trading;
  state.dataset.state = s.trading;
  $("node-state").textContent = "node " + s.node.state + (s.node.detail ? ": " + s.node.detail : "");
  $("pnl-total").textContent = s.pnl.total === null ? "unknown" : s.pnl.total + " " + s.pnl.unit;
  fillRows("risk", Object.entries(s.risk), ([scope, st]) => [scope, [st.toUpperCase(), "band"]],
    ([, st]) => ({ band: st === "active" ? "ok" : st === "halted" ? "critical" : "warning" }));
  fillRows("positions", s.positions, (p) => [p.venue, p.symbol, p.quantity, p.avg_price, p.mark, p.pnl]);
  fillRows("quotes", s.quotes, (q) => [q.strategy_id, q.symbol + "@" + q.venue, q.side, q.price,
    q.quantity, q.status]);
  fillRows("fills", s.fills, (f) => [time(f.ts_ms), f.symbol + "@" + f.venue, f.side, f.price,
    f.quantity, f.fee + " " + f.fee_asset, f.trade_id], (f) => ({ tradeId: f.trade_id }));
  fillRows("measures", s.measures, (m) => [m.name, m.scope, number(m.value, m.unit), limitText(m),
    [m.band, "band"]], (m) => ({ band: m.band, measure: m.name + "|" + m.scope }));
  const alerts = $("alerts");
  alerts.replaceChildren(...s.alerts.map((a) => {
    const li = document.createElement("li");
    li.dataset.severity = a.severity;
    li.textContent = time(a.ts_ms) + " " + a.severity.toUpperCase() + " " + a.message;
    return li;
  }));
  drawChart("chart-pnl", s.series.pnl);
  drawChart("chart-inventory", s.series.inventory);
  document.body.dataset.snapshotTs = String(s.ts_ms);
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  const socket = new WebSocket(scheme + location.host + "/ws");
  socket.onopen = () => { $("connection").textContent = "live"; };
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "snapshot") render(message.data);
  };
  socket.onclose = () => {
    $("connection").textContent = "disconnected, retrying";
    setTimeout(connect, 1000);
  };
}

connect();
