// Dovetail portal: live updates over server-sent events, the Gantt chart, small form helpers.
// No framework, no build step, nothing from a CDN.
(function () {
  "use strict";
  const body = document.body;
  const page = body.dataset.page;
  const timers = {};
  // What the script writes, in the page's language (base.html's JSON block, translated by the
  // server), and times on the tenant's clock with the zone named, whatever the browser's zone.
  const TEXTS = JSON.parse((document.getElementById("portal-texts") || {}).textContent || "{}");
  const t = (text) => TEXTS[text] || text;
  const LANG = document.documentElement.lang || "en";
  const ZONE = body.dataset.zone || "Asia/Shanghai";
  const WALL = new Intl.DateTimeFormat("en-US", { timeZone: ZONE, hourCycle: "h23", year: "numeric",
    month: "numeric", day: "numeric", hour: "numeric", minute: "numeric" });
  const SHOWN = new Intl.DateTimeFormat(LANG, { timeZone: ZONE, hourCycle: "h23", year: "numeric",
    month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });

  function wall(ms) {
    // the zone's wall clock at ms: { year, month, day, hour, minute }
    const parts = {};
    for (const p of WALL.formatToParts(new Date(ms))) parts[p.type] = Number(p.value);
    return parts;
  }

  function offset(ms) {
    // how far the zone's clock is ahead of UTC at ms
    const w = wall(ms);
    return Date.UTC(w.year, w.month - 1, w.day, w.hour % 24, w.minute) - Math.floor(ms / 60000) * 60000;
  }

  function when(ms) { return `${SHOWN.format(new Date(ms))} (${ZONE})`; }

  function debounce(key, ms, fn) {
    clearTimeout(timers[key]);
    timers[key] = setTimeout(fn, ms);
  }

  async function refreshMain() {
    const response = await fetch(location.href, { credentials: "same-origin" });
    if (!response.ok) return;
    const doc = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = doc.getElementById("main");
    if (!fresh) return;
    const before = new Set([...document.querySelectorAll("tr[data-order]")].map((r) => r.dataset.order));
    document.getElementById("main").replaceWith(fresh);
    fresh.querySelectorAll("tr[data-order]").forEach((row) => {
      if (before.size && !before.has(row.dataset.order)) row.classList.add("flash");
    });
    enhance();
  }

  // ---- live updates ----
  function connect(topics, onEvent) {
    const live = document.getElementById("live");
    const source = new EventSource("/api/v1/events?topics=" + encodeURIComponent(topics));
    source.addEventListener("ready", () => live && live.classList.add("on"));
    source.onerror = () => live && live.classList.remove("on");
    const names = {
      orders: ["placed", "amended", "cancelled", "status_changed", "planning_held"],
      scheduling: ["schedule_published", "order_scheduled", "order_unscheduled", "order_unplannable", "operation_started",
        "operation_finished", "operation_scrapped", "order_production_started", "order_produced"],
      iot: ["machine_state_changed"],
      delivery: ["shipment_opened", "carrier_event_recorded", "milestone_reached", "eta_changed",
        "shipment_delivered", "shipment_exception"],
    };
    topics.split(",").forEach((topic) => (names[topic] || []).forEach((name) => {
      source.addEventListener(topic + "." + name, (e) => onEvent(topic + "." + name, JSON.parse(e.data)));
    }));
  }

  function concerns(event, orderId) {
    const b = event.body || {};
    return event.aggregate_id === orderId || b.order_id === orderId;
  }

  // ---- Gantt ----
  const SVG = "http://www.w3.org/2000/svg";
  function el(name, attrs, parent, text) {
    const node = document.createElementNS(SVG, name);
    Object.entries(attrs).forEach(([k, v]) => node.setAttribute(k, v));
    if (text != null) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  // Zoom: the span shown around now, and the step of its grid (a shift, a day, a week).
  const ZOOMS = {
    shift: { before: 2 * 3600e3, after: 8 * 3600e3, step: 3600e3 },
    day: { before: 4 * 3600e3, after: 24 * 3600e3, step: 3 * 3600e3 },
    week: { before: 12 * 3600e3, after: 7 * 24 * 3600e3, step: 24 * 3600e3 },
  };
  const CHAR_W = 6.2; // px per character of a bar label (11 px sans-serif)

  function zoomName() {
    const z = new URLSearchParams(location.search).get("zoom");
    return ZOOMS[z] ? z : "day";
  }

  function barLabel(b, width) {
    // the order on the bar when it fits (at least a short id), its operation too when room allows
    // (a cutting batch's bar has no order: its label names the batch and its orders)
    const order = b.order_id ? b.order_id.slice(0, 8) : (b.label || b.operation_id);
    const full = b.order_id ? `${order} · ${b.label || b.operation_id}` : order;
    const fits = Math.floor((width - 6) / CHAR_W);
    if (fits >= full.length) return full;
    return fits >= 4 ? order.slice(0, fits) : "";
  }

  // a tick's day in the reader's way ("Dec 7", "12月7日"): "7/12" reads as July in China
  const TICK_DAY = new Intl.DateTimeFormat(LANG, { timeZone: ZONE, month: "short", day: "numeric" });

  function tick(ms, zoom, first) {
    // the day on the first tick and at each midnight, the hour on every tick of a day's view
    const w = wall(ms);
    const date = TICK_DAY.format(new Date(ms));
    if (zoom === "week") return date;
    const hour = `${String(w.hour % 24).padStart(2, "0")}:00`;
    return first || w.hour % 24 === 0 ? `${date} ${hour}` : hour;
  }

  async function drawGantt() {
    const box = document.getElementById("gantt");
    if (!box) return;
    // One factory's lanes at a time (the page picked it): a chain has 16,000 machines.
    const factory = body.dataset.factory || "";
    if (!factory) return;
    const mine = new URLSearchParams(location.search).get("order") || "";
    const response = await fetch("/api/v1/schedule?factory_id=" + encodeURIComponent(factory));
    if (!response.ok) {
      const why = await response.json().catch(() => ({}));
      box.innerHTML = "";
      const p = document.createElement("p");
      p.className = "warn";
      p.textContent = t("The schedule cannot be shown right now:") + " " + (why.said || why.detail || response.status);
      box.appendChild(p);
      return;
    }
    const plan = await response.json();
    const lanes = plan.lanes.slice().sort((a, b) => (a.factory_id + a.machine_id).localeCompare(b.factory_id + b.machine_id));
    const zoom = zoomName(), span = ZOOMS[zoom];
    document.querySelectorAll("#gantt-zoom a[data-zoom]").forEach((a) => {
      const params = new URLSearchParams(location.search);
      params.set("zoom", a.dataset.zoom);
      a.href = "?" + params.toString();
      if (a.dataset.zoom === zoom) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    });
    const start = plan.now_ms - span.before, end = plan.now_ms + span.after;
    box.dataset.zoom = zoom;
    const labelW = 150, rowH = 24, width = Math.max(box.clientWidth - 16, 640);
    const x = (t) => labelW + ((Math.min(Math.max(t, start), end) - start) / (end - start)) * (width - labelW - 8);
    let factories = [...new Set(lanes.map((l) => l.factory_id))];
    const height = 28 + lanes.length * rowH + factories.length * 20;
    box.innerHTML = "";
    if (!lanes.length) {
      const none = document.createElement("p");
      none.className = "muted";
      none.textContent = t("No machines in the plan yet.");
      box.appendChild(none);
      return;
    }
    const svg = el("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
      "aria-label": `${t("Gantt chart")} · ${ZONE}` }, box);
    // grid lines on the zone's own hours and midnights, not UTC's
    const shift = offset(start);
    const first = Math.ceil((start + shift) / span.step) * span.step - shift;
    for (let h = first; h <= end; h += span.step) {
      el("line", { x1: x(h), x2: x(h), y1: 18, y2: height, class: "grid" }, svg);
      el("text", { x: x(h) + 2, y: 12, class: "hour" }, svg, tick(h, zoom, h === first));
    }
    let y = 24, current = null;
    for (const lane of lanes) {
      if (lane.factory_id !== current) {
        current = lane.factory_id;
        el("text", { x: 4, y: y + 14, class: "factory-label" }, svg, current);
        y += 20;
      }
      const row = el("g", { "data-machine": lane.machine_id }, svg);
      el("text", { x: 12, y: y + 16, class: "lane-label" }, row, `${lane.machine_id} · ${t(lane.machine_type.replace(/_/g, " "))}${lane.available ? "" : " ⚠"}`);
      for (const w of lane.unavailable) {
        if (w.end_ms < start || w.start_ms > end) continue;
        const maintenance = (w.note || "").startsWith("maintenance");
        el("rect", { x: x(w.start_ms), y: y + 2, width: Math.max(x(w.end_ms) - x(w.start_ms), 1), height: rowH - 4,
          class: w.reason === "DOWN" || w.reason === "OFFLINE" ? "down" : maintenance ? "off maintenance" : "off",
          "data-note": w.note || "" }, row).appendChild(
          el("title", {}, null, w.note_said || w.note || t(w.reason.toLowerCase().replace(/_/g, " "))));
      }
      for (const b of lane.bars) {
        if (b.end_ms < start || b.start_ms > end) continue;
        const cls = ["bar", b.risk ? b.risk.toLowerCase() : "no_due", b.status.toLowerCase(), b.order_id === mine ? "mine" : ""].join(" ");
        const bx = x(b.start_ms), bw = Math.max(x(b.end_ms) - x(b.start_ms), 2);
        const rect = el("rect", { x: bx, y: y + 4, width: bw, height: rowH - 8,
          rx: 2, class: cls, "data-order": b.order_id, "data-operation": b.operation_id, tabindex: 0 }, row);
        const tip = `${b.order_id ? `${t("order")} ${b.order_id}\n` : ""}${b.label || b.operation_id}\n${when(b.start_ms)} → ${when(b.end_ms)}\n${statusText(b.status)} · ${riskText(b.risk)}`;
        el("title", {}, rect, tip);
        const text = barLabel(b, bw);
        // drawn over the bar and click-through (pointer-events: none): the bar keeps its
        // tooltip and click
        if (text) el("text", { x: bx + 3, y: y + rowH / 2 + 4, class: "bar-label", "data-order": b.order_id }, row, text);
        rect.addEventListener("click", () => showBar(b, lane));
      }
      y += rowH;
    }
    el("line", { x1: x(plan.now_ms), x2: x(plan.now_ms), y1: 16, y2: height, class: "now" }, svg);
    const focus = mine && svg.querySelector(`.bar[data-order="${mine}"]`);
    if (focus) showBar(plan.lanes.flatMap((l) => l.bars.map((b) => [b, l])).find(([b]) => b.order_id === mine)[0],
      plan.lanes.find((l) => l.bars.some((b) => b.order_id === mine)));
  }

  function riskText(risk) { return t(risk ? risk.toLowerCase().replace(/_/g, " ") : "no promised date"); }

  function statusText(status) { return t(status.toLowerCase().replace(/_/g, " ")); }

  function showBar(bar, lane) {
    const detail = document.getElementById("bar-detail");
    if (!detail) return;
    detail.hidden = false;
    detail.innerHTML = "";
    const h = document.createElement("h2");
    h.textContent = bar.label || bar.operation_id;
    const p = document.createElement("p");
    p.textContent = `${lane.factory_id} · ${lane.machine_id} · ${when(bar.start_ms)} → ${when(bar.end_ms)} · ${statusText(bar.status)} · ${riskText(bar.risk)}`;
    const a = document.createElement("a");
    a.href = "/portal/orders/" + encodeURIComponent(bar.order_id);
    a.textContent = t("Open the order →");
    detail.append(h, p);
    if (bar.order_id) detail.append(a);
  }

  // ---- forms that talk JSON to the REST API ----
  function enhance() {
    document.querySelectorAll("form[data-api]").forEach((form) => {
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        const data = Object.fromEntries(new FormData(form).entries());
        const response = await fetch(form.dataset.api, { method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json" }, body: JSON.stringify(data) });
        if (!response.ok) {
          const why = await response.json().catch(() => ({}));
          alert(why.said || why.detail || t("Refused:") + " " + response.status);
        }
        refreshMain();
      });
    });
  }

  enhance();
  const topics = body.dataset.topics;
  // the board's figures are rendered by the page (today in each factory's zone): read again
  if (page === "factories") setInterval(refreshMain, 60000);
  if (page === "schedule") {
    drawGantt();
    setInterval(drawGantt, 60000);
    window.addEventListener("resize", () => debounce("resize", 300, drawGantt));
  }
  if (!topics) return;
  connect(topics, (name, event) => {
    if (page === "order") {
      if (concerns(event, body.dataset.order)) debounce("main", 300, refreshMain);
    } else if (page === "schedule") {
      debounce("gantt", 800, drawGantt);
    } else if (page === "factories") {
      debounce("main", 1500, refreshMain);
    } else {
      debounce("main", 300, refreshMain);
    }
  });
})();
