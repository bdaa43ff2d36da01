// Draws the report's charts with uPlot from the inlined data. Plain browser JS, no network:
// the page's Content-Security-Policy forbids every fetch, so anything it needs is in the file.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var params = new URLSearchParams(location.search);
  var only = params.get("only");
  var dark = document.documentElement.getAttribute("data-theme") === "dark";
  var ink = dark ? "#d8dee9" : "#222";
  var grid = dark ? "#3b4252" : "#e4e4e4";
  var palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"];
  var state = { charts: [], errors: [], ready: false };
  window.__aiperfReport = state;

  function axisLabel(a) {
    return a.unit ? a.label + " (" + a.unit + ")" : a.label;
  }

  function seriesOpts(s, k) {
    var color = palette[k % palette.length];
    var o = { label: s.label, scale: s.axis || "y", stroke: color, width: 1.5, spanGaps: s.style === "line" };
    if (s.style === "points") {
      o.width = 0;
      o.paths = function () { return null; };
      o.points = { show: true, size: 4, width: 0, fill: color, stroke: color };
    } else if (s.style === "bars") {
      o.fill = color + "99";
      o.paths = uPlot.paths.bars({ size: [0.9, 200] });
      o.points = { show: false };
    } else if (s.style === "step") {
      o.paths = uPlot.paths.stepped({ align: 1 });
      o.points = { show: false };
    } else {
      o.points = { show: s.values.length <= 40, size: 5, fill: color };
    }
    return o;
  }

  function draw(fig, spec) {
    var el = fig.querySelector(".plot");
    var width = Math.max(320, Math.floor(el.clientWidth || fig.clientWidth || 600));
    var height = only ? Math.max(300, window.innerHeight - 110) : 300;
    var xAxis = { label: axisLabel(spec.x), stroke: ink, grid: { stroke: grid }, ticks: { stroke: grid } };
    if (spec.xNames) {
      xAxis.values = function (u, splits) {
        return splits.map(function (v) { return Number.isInteger(v) ? spec.xNames[v - 1] || "" : ""; });
      };
    }
    var axes = [xAxis, { label: axisLabel(spec.y), scale: "y", stroke: ink, grid: { stroke: grid }, ticks: { stroke: grid }, size: 60 }];
    var scales = { x: { time: false }, y: { auto: true } };
    if (spec.xNames) scales.x.range = function () { return [0.5, spec.xNames.length + 0.5]; };
    // Bars are centred on their x: half a bar of room at both ends, or the outer two are cut.
    var bars = spec.series.some(function (s) { return s.style === "bars"; });
    if (bars && spec.xs.length > 1) {
      var half = (spec.xs[1] - spec.xs[0]) / 2;
      scales.x.range = function () { return [spec.xs[0] - half, spec.xs[spec.xs.length - 1] + half]; };
    }
    if (spec.y2) {
      axes.push({ label: axisLabel(spec.y2), scale: "y2", side: 1, stroke: ink, grid: { show: false }, size: 60 });
      scales.y2 = { auto: true };
    }
    var opts = {
      width: width,
      height: height,
      scales: scales,
      axes: axes,
      series: [{ label: axisLabel(spec.x) }].concat(spec.series.map(seriesOpts)),
      legend: { show: true },
      cursor: { drag: { x: true, y: false } },
    };
    var plot = new uPlot(opts, [spec.xs].concat(spec.series.map(function (s) { return s.values; })), el);
    state.charts.push({
      id: spec.id,
      title: spec.title,
      series: plot.series.length - 1,
      points: plot.data[0].length,
      xLabel: plot.axes[0].label,
      yLabel: plot.axes[1].label,
      y2Label: spec.y2 ? plot.axes[2].label : null,
      seriesLabels: plot.series.slice(1).map(function (s) { return s.label; }),
    });
  }

  var specs = {};
  data.charts.forEach(function (c) { specs[c.id] = c; });
  if (only) document.body.classList.add("only");
  var figs = document.querySelectorAll("figure[data-chart]");
  for (var i = 0; i < figs.length; i++) {
    var fig = figs[i];
    var id = fig.getAttribute("data-chart");
    if (only && id !== only) continue;
    if (only) fig.classList.add("shown");
    try {
      draw(fig, specs[id]);
    } catch (e) {
      state.errors.push(id + ": " + e.message);
      console.error("chart " + id + " failed: " + e.message);
    }
  }
  state.ready = true;
  document.body.setAttribute("data-ready", "1");
})();
