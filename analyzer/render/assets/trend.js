// har-analyzer trend page: the chart (Plotly), drawn from the JSON data block. Text from the dataset reaches
// Plotly only escaped with esc().
(function () {
  "use strict";
  const DATA = JSON.parse(document.getElementById("trend-data").textContent);
  const SYMBOLS = { watch: "circle", poll: "x", "watch+poll": "diamond", once: "square" };
  const COLORS = { watch: "#9467bd", poll: "#ff7f0e", "watch+poll": "#d62728", once: "#7f7f7f" };
  const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const number = (v) => (v === null ? "–" : Number(v).toFixed(1));

  if (!DATA.lines.length) {
    document.getElementById("chart-section").hidden = true;
    return;
  }
  const traces = DATA.lines.map((line) => ({
    type: "scatter", mode: "lines+markers", name: esc(line.name), x: line.x, y: line.y, connectgaps: true,
    marker: { size: 10, symbol: line.modes.map((m) => SYMBOLS[m]), color: line.modes.map((m) => COLORS[m]),
      line: { width: 1, color: "#333" } },
    text: line.modes.map((m, i) => "<b>" + esc(line.name) + "</b><br>" + esc(DATA.axis_title) + " " + esc(line.x[i]) +
      ": " + esc(m) + ", " + number(line.y[i])),
    hovertemplate: "%{text}<extra></extra>",
  }));
  const layout = {
    height: 460, showlegend: true, margin: { l: 60, r: 20, t: 20, b: 60 }, hovermode: "closest", hoverlabel: { align: "left" },
    legend: { orientation: "h", x: 0, y: -0.2, yanchor: "top" },
    xaxis: { type: "category", categoryorder: "array", categoryarray: DATA.values.map(esc),
      range: [-0.5, DATA.values.length - 0.5],
      title: { text: esc(DATA.axis_title) }, automargin: true },
    yaxis: { title: { text: esc(DATA.metric_title) }, rangemode: "tozero" },
  };
  for (const trace of traces) trace.x = trace.x.map(esc);
  Plotly.newPlot("chart", traces, layout, { displaylogo: false, responsive: true, typesetMath: false });
})();
