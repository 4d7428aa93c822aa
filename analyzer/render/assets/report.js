// har-analyzer report page: the timeline (Plotly) and the request table, drawn from the JSON data block.
// Text from the capture reaches the DOM only through textContent, or escaped with esc() for Plotly's labels.
(function () {
  "use strict";
  const DATA = JSON.parse(document.getElementById("report-data").textContent);
  const COLORS = { get: "#1f77b4", list: "#2ca02c", watch: "#9467bd", other: "#ff7f0e", web: "#a8a8a8" };
  const KIND_NAMES = { get: "get", list: "list", watch: "watch", other: "other Kubernetes verb", web: "not Kubernetes" };
  const KINDS = ["get", "list", "watch", "other", "web"];
  const PAGE = 200;
  const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const $ = (id) => document.getElementById(id);
  const plural = (count, noun) => count + " " + noun + (count === 1 ? "" : "s"); // `1 request`, `2 requests`

  const rows = [];
  const R = DATA.requests;
  for (let i = 0; i < R.index.length; i++) {
    const row = {};
    for (const key in R) row[key] = R[key][i];
    rows.push(row);
  }
  const byIndex = new Map(rows.map((r) => [r.index, r]));
  const state = { lanes: "connection", only: null, onlyLabel: "", sort: { key: "t", dir: 1 }, limit: PAGE, open: new Set() };

  // ---- timeline -------------------------------------------------------------------------------------
  const laneOf = (r) => (state.lanes === "connection" ? r.conn_label : r.lane);
  const num = (v, digits) => (v === null || v === undefined ? "–" : Number(v).toFixed(digits));

  function hoverText(r) {
    const url = [];
    for (let i = 0; i < r.url.length; i += 100) url.push(esc(r.url.slice(i, i + 100)));
    const verb = r.k8s ? r.verb || "" : "not Kubernetes";
    const how = r.ended_by === "unknown" ? " · how it ended is not in the capture" :
      r.open ? " · still open at the end of the capture" : r.aborted ? " · aborted" : "";
    const timings = ["blocked", "dns", "connect", "ssl", "send", "wait", "receive"]
      .filter((k) => r[k] !== null).map((k) => k + " " + num(r[k], 1)).join(" · ");
    return [
      "<b>#" + r.index + " " + esc(r.method || "") + " " + esc(r.status === null ? "(no status)" : r.status) +
        " · " + esc(verb) + esc(how) + "</b>",
      url.join("<br>"),
      "started +" + num(r.t, 3) + " s · " + (r.ms === null ? "no end recorded" : num(r.ms, 0) + " ms") +
        (r.stream ? " · " + esc(r.stream) : "") + (r.error ? " · " + esc(r.error) : ""),
      timings ? "timings (ms): " + esc(timings) : "no timings",
      esc(r.conn_label) + " · page load " + esc(r.nav),
    ].join("<br>");
  }

  const failed = (r) => r.status >= 400 || r.status === 0 || Boolean(r.error);

  function shortLabel(label) {
    const text = label.length > 46 ? "…" + label.slice(-45) : label;
    return esc(/^\$.*\$$/.test(text) ? "\u200b" + text : text); // a $…$ label would be read as LaTeX
  }

  function timelineTraces(drawn, lanes) {
    const span = Math.max(DATA.end_s, 0.001);
    const minWidth = span * 0.003; // DevTools, too, draws a very short request a few pixels wide
    const dim = (r) => (state.only && !state.only.has(r.index) ? 0.18 : 1);
    const traces = [];
    const qx = [], qy = [];
    // On a connection lane a queued request was not on the connection yet: its bar starts when it was sent,
    // and the wait is drawn only in the per-resource view.
    for (const r of state.lanes === "resource" ? drawn : []) {
      const queued = Math.min((r.blocked || 0) / 1000, Math.max(0, r.end - r.t));
      if (queued > 0) { qx.push(r.t, r.t + queued, null); qy.push(laneOf(r), laneOf(r), null); }
    }
    traces.push({ type: "scatter", mode: "lines", x: qx, y: qy, name: "queued", hoverinfo: "skip",
      line: { color: "#cfcfcf", width: 7 }, showlegend: qx.length > 0 });
    for (const kind of KINDS) {
      const rs = drawn.filter((r) => r.kind === kind);
      if (!rs.length) continue;
      const base = rs.map((r) => r.t + Math.min((r.blocked || 0) / 1000, Math.max(0, r.end - r.t)));
      // (a bar starts when the request left the queue, in both views; its hover gives the queueing time)
      traces.push({
        type: "bar", orientation: "h", name: KIND_NAMES[kind], base: base,
        x: rs.map((r, i) => Math.max(r.end - base[i], minWidth)), y: rs.map(laneOf), width: 0.62,
        customdata: rs.map((r) => r.index), text: rs.map(hoverText), textposition: "none",
        hovertemplate: "%{text}<extra></extra>",
        marker: {
          color: COLORS[kind], opacity: rs.map(dim),
          pattern: { shape: rs.map((r) => (r.open ? "/" : "")), fgcolor: "#ffffff", fgopacity: 0.8, size: 7 },
          line: { color: rs.map((r) => (failed(r) ? "#c62828" : "#ffffff")), width: rs.map((r) => (failed(r) ? 2 : 1)) },
        },
      });
    }
    const ends = (pick, name, symbol, color) => {
      const rs = drawn.filter(pick);
      traces.push({ type: "scatter", mode: "markers", name: name, x: rs.map((r) => r.end), y: rs.map(laneOf),
        marker: { symbol: symbol, size: 10, color: color, line: { width: 1.5, color: color } },
        hoverinfo: "skip", showlegend: rs.length > 0 });
    };
    ends((r) => r.aborted, "aborted", "x-thin", "#c62828");
    ends((r) => r.open, "open at the end", "triangle-right", "#444");
    return traces;
  }

  function timelineLayout(lanes) {
    const navs = DATA.navigations.filter((n) => n.t !== null);
    return {
      barmode: "overlay", height: Math.max(240, lanes.length * 22 + 110), uirevision: state.lanes,
      margin: { l: 10, r: 20, t: 96, b: 20 }, hovermode: "closest", hoverlabel: { align: "left" },
      legend: { orientation: "h", x: 0, xanchor: "left", y: 1, yanchor: "top", yref: "container" },
      xaxis: { side: "top", title: { text: "seconds since the first request" }, range: [0, Math.max(DATA.end_s, 0.001) * 1.01],
        zeroline: false, showgrid: true, gridcolor: "#eee" },
      yaxis: { type: "category", categoryorder: "array", categoryarray: lanes, autorange: "reversed", automargin: true,
        tickvals: lanes, ticktext: lanes.map(shortLabel), tickfont: { size: 11 }, fixedrange: true },
      shapes: navs.map((n) => ({ type: "line", x0: n.t, x1: n.t, yref: "paper", y0: 0, y1: 1,
        line: { color: "#d32f2f", width: 1.5, dash: "dot" } })),
      annotations: navs.map((n) => ({ x: n.t, yref: "paper", y: 1, yanchor: "bottom", showarrow: false,
        xanchor: "left", text: esc("load " + n.index + " · " + n.trigger), font: { size: 11, color: "#d32f2f" },
        hovertext: esc(n.url || ""), bgcolor: "rgba(255,255,255,0.8)" })),
    };
  }

  const CONFIG = { displaylogo: false, responsive: true, typesetMath: false,
    modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"] };

  function drawTimeline() {
    const drawn = rows.filter((r) => r.drawn && r.t !== null);
    const order = DATA.lanes[state.lanes];
    const used = new Set(drawn.map(laneOf));
    const lanes = order.filter((l) => used.has(l));
    Plotly.react("timeline", timelineTraces(drawn, lanes), timelineLayout(lanes), CONFIG).then(alignOverview);
    const s = DATA.sampling;
    $("timeline-note").textContent = s.drawn < s.total
      ? s.drawn + " of " + plural(s.total, "request") + " drawn (sampled, see the note above)"
      : plural(drawn.length, "request") + ", one bar each, in " + plural(lanes.length, "lane");
  }

  function alignOverview() {
    // the strip's time axis sits exactly above the timeline's, whatever room the lane labels take
    const left = $("timeline")._fullLayout.margin.l;
    if ($("overview") && $("overview")._fullLayout.margin.l !== left) Plotly.relayout("overview", { "margin.l": left });
  }

  function drawOverview() {
    if (!DATA.overview) return;
    const box = document.createElement("div");
    box.id = "overview";
    $("timeline-box").before(box);
    const o = DATA.overview;
    const traces = KINDS.map((k) => ({ type: "scatter", mode: "lines", stackgroup: "all", name: KIND_NAMES[k],
      x: o.t.map((t) => t + o.width / 2), y: o.counts[k].map((c) => c / o.width), line: { width: 0.5, color: COLORS[k] },
      hovertemplate: "%{y:.1f} req/s<extra>" + esc(KIND_NAMES[k]) + "</extra>", showlegend: false }));
    Plotly.newPlot("overview", traces, { height: 130, margin: { l: 60, r: 20, t: 10, b: 30 },
      xaxis: { range: [0, DATA.end_s * 1.01] }, yaxis: { title: { text: "req/s" } } }, CONFIG);
  }

  function onZoom(event, source) {
    const lo = event["xaxis.range[0]"], hi = event["xaxis.range[1]"];
    const reset = event["xaxis.autorange"];
    if (lo === undefined && !reset) return;
    const range = reset ? [0, Math.max(DATA.end_s, 0.001) * 1.01] : [lo, hi];
    $("f-from").value = reset ? "" : Number(lo).toFixed(3);
    $("f-to").value = reset ? "" : Number(hi).toFixed(3);
    for (const id of ["timeline", "overview"]) {
      const other = $(id);
      if (!other || id === source || !other.layout) continue;
      const now = other.layout.xaxis.range;
      if (Math.abs(now[0] - range[0]) > 1e-9 || Math.abs(now[1] - range[1]) > 1e-9) {
        Plotly.relayout(other, { "xaxis.range": range });
      }
    }
    state.limit = PAGE;
    drawTable();
  }

  // ---- table ----------------------------------------------------------------------------------------
  const BOUND = { at_least: "≥", at_most: "≤" }; // a duration the writer did not keep, bounded
  const COLUMNS = [
    ["index", "#", "num"], ["t", "+s", "num"], ["ms", "ms", "num"], ["method", "method"], ["status", "status", "num"],
    ["verb", "verb"], ["target", "resource or URL", "url"], ["host", "host"], ["nav", "load", "num"],
    ["conn", "conn"], ["size", "bytes", "num"], ["ended_by", "ended"],
  ];

  function cell(r, key) {
    if (key === "t") return num(r.t, 3);
    if (key === "ms") return r.ms === null ? (r.open ? "open" : "") : (BOUND[r.bound] || "") + num(r.ms, 0);
    if (key === "verb") return r.k8s ? r.verb || "" : "";
    if (key === "ended_by") return r.long || r.ended_by !== "complete" ? (r.stream ? r.stream + " " : "") + (r.ended_by || "") : "";
    const v = r[key];
    return v === null || v === undefined ? "" : String(v);
  }

  function matches(r, f) {
    if (state.only) return state.only.has(r.index);
    if (f.k8s && !r.k8s) return false;
    if (f.verb && (f.verb === "(not Kubernetes)" ? r.k8s : r.verb !== f.verb || !r.k8s)) return false;
    if (f.host && r.host !== f.host) return false;
    if (f.nav !== "" && String(r.nav) !== f.nav) return false;
    if (f.from !== "" && (r.t === null || Math.max(r.end, r.t) < Number(f.from))) return false;
    if (f.to !== "" && (r.t === null || r.t > Number(f.to))) return false;
    if (f.text && !(r.url + " " + (r.resource || "")).toLowerCase().includes(f.text)) return false;
    return true;
  }

  function filtered() {
    const f = { k8s: $("f-k8s").checked, verb: $("f-verb").value, host: $("f-host").value, nav: $("f-nav").value,
      from: $("f-from").value, to: $("f-to").value, text: $("f-text").value.trim().toLowerCase() };
    const out = rows.filter((r) => matches(r, f));
    const { key, dir } = state.sort;
    const value = (r) => (key === "verb" ? cell(r, "verb") : r[key]);
    out.sort((a, b) => {
      const x = value(a), y = value(b);
      if (x === y) return a.index - b.index;
      if (x === null || x === undefined || x === "") return 1;
      if (y === null || y === undefined || y === "") return -1;
      return (x < y ? -1 : 1) * dir;
    });
    return out;
  }

  function drawHead() {
    const tr = document.createElement("tr");
    for (const [key, label, cls] of COLUMNS) {
      const th = document.createElement("th");
      th.textContent = label;
      th.dataset.key = key;
      if (cls === "num") th.classList.add("num");
      if (state.sort.key === key) th.classList.add(state.sort.dir > 0 ? "sorted-asc" : "sorted-desc");
      th.addEventListener("click", () => {
        state.sort = { key: key, dir: state.sort.key === key ? -state.sort.dir : 1 };
        drawHead();
        drawTable();
      });
      tr.append(th);
    }
    $("request-table").tHead.replaceChildren(tr);
  }

  function detailRow(r) {
    const tr = document.createElement("tr");
    tr.className = "detail";
    const td = document.createElement("td");
    td.colSpan = COLUMNS.length;
    const pre = (title, lines) => {
      const block = document.createElement("pre");
      block.textContent = title + "\n" + lines.join("\n");
      td.append(block);
    };
    pre("URL", [r.url]);
    pre("timings (ms)", [["blocked", "dns", "connect", "ssl", "send", "wait", "receive"].map((k) => k + " " + num(r[k], 1)).join("  ")]);
    const detail = DATA.details[String(r.index)];
    if (detail) {
      pre("request headers", detail.request.map(([n, v]) => n + ": " + v));
      pre("response headers", detail.response.map(([n, v]) => n + ": " + v));
    } else {
      pre("headers", ["not carried by this page (big capture): see the HAR"]);
    }
    tr.append(td);
    return tr;
  }

  function drawTable() {
    const list = filtered();
    const body = document.createDocumentFragment();
    for (const r of list.slice(0, state.limit)) {
      const tr = document.createElement("tr");
      tr.className = "row";
      tr.id = "request-" + r.index;
      tr.dataset.index = r.index;
      for (const [key, , cls] of COLUMNS) {
        const td = document.createElement("td");
        td.textContent = cell(r, key);
        if (cls) td.className = cls;
        if (key === "verb" && r.k8s) td.classList.add("verb", r.kind);
        if (key === "target") td.title = r.url;
        tr.append(td);
      }
      tr.addEventListener("click", () => {
        state.open.has(r.index) ? state.open.delete(r.index) : state.open.add(r.index);
        drawTable();
      });
      body.append(tr);
      if (state.open.has(r.index)) body.append(detailRow(r));
    }
    $("request-table").tBodies[0].replaceChildren(body);
    const total = DATA.sampling.total;
    $("table-count").textContent = list.length + " of " + plural(rows.length, "request") +
      (list.length === 1 ? " matches" : " match") +
      (rows.length < total ? " (the page holds " + rows.length + " of " + total + ")" : "") +
      (list.length > state.limit ? "; showing the first " + state.limit : "");
    $("more").hidden = list.length <= state.limit;
  }

  function setOnly(indices, label) {
    state.only = indices ? new Set(indices) : null;
    state.limit = PAGE;
    const chip = $("f-only");
    chip.hidden = !indices;
    chip.replaceChildren();
    if (indices) {
      const missing = indices.filter((i) => !byIndex.has(i));
      chip.append("only " + label + (missing.length ? " (" + missing.length + " not in this page)" : "") + " ");
      const clear = document.createElement("button");
      clear.type = "button";
      clear.textContent = "✕";
      clear.title = "show all requests";
      clear.addEventListener("click", () => setOnly(null, ""));
      chip.append(clear);
    }
    drawTable();
    drawTimeline();
  }

  function focusRequest(index) {
    setOnly([index], "request #" + index);
    state.open.add(index);
    drawTable();
    const row = $("request-" + index);
    (row || $("requests")).scrollIntoView({ block: "center" });
  }

  function fillSelect(id, values) {
    for (const v of values) {
      const option = document.createElement("option");
      option.value = String(v);
      option.textContent = String(v);
      $(id).append(option);
    }
  }

  function wire() {
    const present = (key) => [...new Set(rows.map((r) => r[key]).filter((v) => v !== null))];
    fillSelect("f-verb", [...present("verb").filter((v) => rows.some((r) => r.k8s && r.verb === v)).sort(), "(not Kubernetes)"]);
    fillSelect("f-host", present("host").sort());
    fillSelect("f-nav", present("nav").sort((a, b) => a - b));
    for (const id of ["f-k8s", "f-verb", "f-host", "f-nav", "f-from", "f-to", "f-text"]) {
      $(id).addEventListener("input", () => { state.limit = PAGE; drawTable(); });
    }
    $("f-reset").addEventListener("click", () => {
      for (const id of ["f-verb", "f-host", "f-nav", "f-from", "f-to", "f-text"]) $(id).value = "";
      $("f-k8s").checked = false;
      setOnly(null, "");
    });
    $("more").addEventListener("click", () => { state.limit += 5 * PAGE; drawTable(); });
    for (const input of document.querySelectorAll('input[name="lanes"]')) {
      input.addEventListener("change", () => { state.lanes = input.value; drawTimeline(); });
    }
    for (const link of document.querySelectorAll("a.show-evidence")) {
      link.addEventListener("click", (event) => {
        event.preventDefault();
        const finding = DATA.findings[Number(link.dataset.finding)];
        const count = finding.evidence.length;
        setOnly(finding.evidence, (count === 1 ? "the request" : "the " + count + " requests") + " of " + finding.id);
        $("requests").scrollIntoView();
      });
    }
    for (const link of document.querySelectorAll("a[data-request]")) {
      link.addEventListener("click", (event) => {
        event.preventDefault();
        focusRequest(Number(link.dataset.request));
      });
    }
    const timeline = $("timeline");
    timeline.on("plotly_relayout", (event) => onZoom(event, "timeline"));
    timeline.on("plotly_click", (event) => {
      const point = event.points && event.points[0];
      if (point && point.customdata !== undefined) focusRequest(point.customdata);
    });
    if ($("overview")) $("overview").on("plotly_relayout", (event) => onZoom(event, "overview"));
    const hash = /^#request-(\d+)$/.exec(location.hash);
    if (hash) focusRequest(Number(hash[1]));
  }

  drawHead();
  drawOverview();
  drawTimeline();
  drawTable();
  wire();
})();
