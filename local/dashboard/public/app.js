// Browser side of the live dashboard: listens to /api/stream (server-sent events) and redraws the
// figures, the demand chart (Chart.js) and the tables from each snapshot.
"use strict";

const fmt = new Intl.NumberFormat("en-US");
const money = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const COLORS = ["#4cc2ff", "#ffb020", "#3ddc97", "#ff5c5c", "#b18cff", "#ff8fd0", "#9ad94f", "#f5e663"];
let chart;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function fill(tableId, rows, render, emptyText) {
  const body = document.querySelector(`#${tableId} tbody`);
  const columns = document.querySelectorAll(`#${tableId} thead th`).length;
  body.replaceChildren(
    ...(rows.length === 0
      ? [el("tr", {}, el("td", { class: "empty", colspan: String(columns) }, emptyText))]
      : rows.map(render)),
  );
}

function ageText(ms) {
  return ms < 60_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;
}

function lagText(ms) {
  if (ms === undefined || ms === null) return "–";
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function bytesText(n) {
  if (n === undefined || n === null) return "–";
  return n < 1024
    ? `${n} B`
    : n < 1024 * 1024
      ? `${(n / 1024).toFixed(1)} KB`
      : `${(n / 1024 / 1024).toFixed(1)} MB`;
}

function drawChart(series) {
  const routes = [...new Set(series.map((p) => p.route))].slice(0, 8);
  const times = [...new Set(series.map((p) => p.t))].sort((a, b) => a - b);
  const labels = times.map((t) => new Date(t).toISOString().slice(11, 19));
  const datasets = routes.map((route, i) => {
    const byT = new Map(series.filter((p) => p.route === route).map((p) => [p.t, p.bookings]));
    return {
      label: route,
      data: times.map((t) => byT.get(t) ?? 0),
      borderColor: COLORS[i % COLORS.length],
      backgroundColor: COLORS[i % COLORS.length],
      tension: 0.25,
      pointRadius: 0,
    };
  });
  if (chart === undefined) {
    chart = new Chart(document.getElementById("demand-chart"), {
      type: "line",
      data: { labels, datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: {
          x: { ticks: { color: "#8b9bab" }, grid: { color: "#263442" } },
          y: { beginAtZero: true, ticks: { color: "#8b9bab" }, grid: { color: "#263442" } },
        },
        plugins: { legend: { labels: { color: "#e6edf3", boxWidth: 12 } } },
      },
    });
  } else {
    chart.data.labels = labels;
    chart.data.datasets = datasets;
    chart.update("none");
  }
}

function render(s) {
  document.getElementById("kpi-eventsIn").textContent = fmt.format(s.totals.eventsIn);
  document.getElementById("kpi-processed").textContent = fmt.format(s.totals.processed);
  document.getElementById("kpi-lag").textContent = lagText(s.totals.maxLagMs);
  document.getElementById("kpi-alerts").textContent = fmt.format(s.totals.alerts);
  document.getElementById("kpi-rejected").textContent = fmt.format(s.totals.rejected);
  drawChart(s.series);
  fill(
    "top-routes",
    s.topRoutes,
    (r) =>
      el(
        "tr",
        { "data-route": r.route },
        el("td", {}, r.route),
        el("td", {}, fmt.format(r.searches)),
        el("td", {}, fmt.format(r.bookings)),
        el("td", {}, fmt.format(r.seatsBooked)),
        el("td", {}, `${(r.lookToBook * 100).toFixed(1)}%`),
        el("td", {}, money.format(r.revenue)),
      ),
    "no demand yet",
  );
  fill(
    "manifests",
    s.manifests,
    (m) => {
      const lf = m.loadFactor ?? 0;
      const cls = m.oversold ? "bar over" : lf >= 0.85 ? "bar high" : "bar";
      const bar = el(
        "div",
        { class: cls },
        el("span", { style: `width:${Math.min(100, lf * 100).toFixed(1)}%` }),
        el("em", {}, m.capacity ? `${(lf * 100).toFixed(0)}%` : "no schedule"),
      );
      return el(
        "tr",
        {},
        el("td", {}, m.flight),
        el("td", {}, m.route),
        el("td", {}, `${m.seatsBooked} / ${m.capacity ?? "?"}`),
        el("td", {}, bar),
      );
    },
    "no manifests yet",
  );
  const alerts = document.getElementById("alerts");
  alerts.replaceChildren(
    ...(s.alerts.length === 0
      ? [el("li", { class: "empty" }, "no alerts yet")]
      : s.alerts.map((a) =>
          el(
            "li",
            {
              class: a.attributes.severity === "critical" ? "critical alert" : "alert",
              "data-alert-type": a.attributes.alertType || "",
            },
            el("div", {}, a.subject || a.message.slice(0, 120)),
            el(
              "div",
              { class: "meta" },
              `${a.at} · ${a.attributes.route || ""} · ${a.attributes.alertType || ""} · ${a.attributes.severity || ""}`,
            ),
          ),
        )),
  );
  fill(
    "shards",
    s.shards,
    (sh) =>
      el(
        "tr",
        {},
        el("td", {}, sh.shardId.replace("shardId-", "")),
        el("td", {}, sh.owner || "unowned"),
        el("td", {}, lagText(sh.millisBehindLatest)),
        el("td", {}, sh.recordsPerSecond === undefined ? "–" : fmt.format(Math.round(sh.recordsPerSecond))),
        el(
          "td",
          { title: sh.checkpoint || "" },
          `${sh.checkpoint ? `…${sh.checkpoint.slice(-8)}` : "–"}${sh.checkpointAgeMs === undefined ? "" : ` · ${ageText(sh.checkpointAgeMs)} ago`}`,
        ),
        el(
          "td",
          { title: "the demand state snapshot written at the last checkpoint" },
          bytesText(sh.stateBytes),
        ),
      ),
    "no leases yet",
  );
  document
    .getElementById("workers")
    .replaceChildren(
      ...s.workers.map((w) =>
        el("li", { class: w.healthy ? "" : "down" }, `${w.workerId}: ${w.status}, ${w.leases} leases`),
      ),
    );
  fill(
    "rejected",
    s.rejected,
    (r) =>
      el(
        "tr",
        {},
        el("td", {}, `${r.shardId.replace("shardId-", "")} / …${r.sequenceNumber.slice(-8)}`),
        el("td", {}, r.code),
        el("td", { title: r.reason }, r.reason),
      ),
    "nothing rejected",
  );
  renderInsights(s.insights);
  document.getElementById("problems").textContent = s.problems.join(" · ");
}

const windowText = (w) => (w ? `${w.start.slice(11, 16)}–${w.end.slice(11, 16)} UTC` : "");

function renderInsights(insights) {
  const waiting = insights.status === "off" ? "off (--no-flink)" : "no window closed yet";
  document.getElementById("insights-status").textContent = `Flink SQL app: ${insights.status}`;
  document.getElementById("insights-airport-window").textContent = windowText(insights.airportWindow);
  document.getElementById("insights-routes-window").textContent = windowText(insights.routesWindow);
  fill(
    "insight-airports",
    insights.airports,
    (a) =>
      el(
        "tr",
        { "data-airport": a.airport },
        el("td", {}, a.airport),
        el("td", {}, fmt.format(a.departingSeats)),
        el("td", {}, fmt.format(a.arrivingSeats)),
        el("td", {}, fmt.format(a.searches)),
        el("td", {}, fmt.format(a.bookings)),
      ),
    waiting,
  );
  fill(
    "insight-routes",
    insights.topRoutes,
    (r) =>
      el(
        "tr",
        { "data-route": r.route },
        el("td", {}, r.rank),
        el("td", {}, r.route),
        el("td", {}, fmt.format(r.seats)),
        el("td", {}, fmt.format(r.bookings)),
      ),
    waiting,
  );
}

function connect() {
  const status = document.getElementById("status");
  const source = new EventSource("/api/stream");
  source.addEventListener("snapshot", (e) => {
    status.dataset.state = "live";
    status.textContent = `live · ${new Date().toLocaleTimeString()}`;
    render(JSON.parse(e.data));
  });
  source.onerror = () => {
    status.dataset.state = "down";
    status.textContent = "reconnecting…";
  };
}

connect();
