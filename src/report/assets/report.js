// Draws the report's charts with uPlot from the inlined data. Plain browser JS, no network:
// the page's Content-Security-Policy forbids every fetch, so anything it needs is in the file.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var params = new URLSearchParams(location.search);
  var only = params.get("only");
  // ?png=1: every main chart drawn at a fixed size and composed with its title and legend into
  // one PNG each, listed as "id base64" lines for `aiperf plot --png` to read with --dump-dom.
  var pngMode = params.get("png") === "1";
  var dark = document.documentElement.getAttribute("data-theme") === "dark";
  var ink = dark ? "#d8dee9" : "#222";
  var grid = dark ? "#3b4252" : "#e4e4e4";
  var palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"];
  var state = { charts: [], errors: [], ready: false };
  window.__aiperfReport = state;

  function axisLabel(a) {
    return a.unit ? a.label + " (" + a.unit + ")" : a.label;
  }

  // Names next to the markers of "points" series (the runs of a Pareto chart).
  function labelPoints(spec) {
    return function (u) {
      var g = u.ctx;
      var dpr = window.devicePixelRatio || 1;
      g.save();
      g.font = Math.round(12 * dpr) + "px sans-serif";
      g.fillStyle = ink;
      spec.series.forEach(function (s, k) {
        if (s.style !== "points") return;
        s.values.forEach(function (y, i) {
          if (y === null) return;
          var px = u.valToPos(spec.xs[i], "x", true), py = u.valToPos(y, s.axis || "y", true);
          g.fillText(s.label, px + 8 * dpr, py - 6 * dpr);
        });
      });
      g.restore();
    };
  }

  function seriesOpts(s, k, pointSize) {
    var color = palette[k % palette.length];
    var o = { label: s.label, scale: s.axis || "y", stroke: color, width: 1.5, spanGaps: s.style === "line" };
    // A right-axis series is dashed: it often follows a left one in shape (tokens/s and requests/s).
    if (s.axis === "y2") o.dash = [6, 4];
    if (s.style === "points") {
      o.width = 1; // no line is drawn (paths below); the width gives the legend its marker
      o.paths = function () { return null; };
      o.points = { show: true, size: pointSize, width: 0, fill: color, stroke: color };
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
    var width = pngMode ? PNG_WIDTH : Math.max(320, Math.floor(el.clientWidth || fig.clientWidth || 600));
    var height = pngMode ? PNG_HEIGHT : only ? Math.max(300, window.innerHeight - 110) : 300;
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
    var pointsOnly = spec.series.every(function (s) { return s.style === "points" || s.values.length <= 40; });
    var lo = spec.xs[0], hi = spec.xs[spec.xs.length - 1];
    // Counts and rates (bars, steps) are read against zero, not against an auto-fitted floor.
    if (spec.series.some(function (s) { return s.style === "bars" || s.style === "step"; })) {
      var fromZero = function (u, min, max) { return [Math.min(0, min), max > 0 ? max * 1.05 : 1]; };
      scales.y.range = fromZero;
      if (spec.y2) scales.y2 = { auto: true, range: fromZero };
    }
    if (bars && spec.xs.length > 1) {
      var half = (spec.xs[1] - spec.xs[0]) / 2;
      scales.x.range = function () { return [lo - half, hi + half]; };
    } else if (pointsOnly && !spec.xNames) {
      // Markers at the very edge would be cut in half: 4 % of room on each side.
      var pad = hi > lo ? (hi - lo) * 0.04 : Math.abs(lo) * 0.1 || 1;
      scales.x.range = function () { return [lo - pad, hi + pad]; };
    }
    if (spec.y2) {
      axes.push({ label: axisLabel(spec.y2), scale: "y2", side: 1, stroke: ink, grid: { show: false }, size: 60 });
      scales.y2 = scales.y2 || { auto: true };
    }
    var opts = {
      width: width,
      height: height,
      scales: scales,
      axes: axes,
      series: [{ label: axisLabel(spec.x) }].concat(spec.series.map(function (s, k) { return seriesOpts(s, k, spec.pointLabels ? 9 : 4); })),
      legend: { show: true },
      cursor: { drag: { x: true, y: false } },
      hooks: spec.pointLabels ? { draw: [labelPoints(spec)] } : {},
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
    return plot;
  }

  var PNG_WIDTH = 1000;
  var PNG_HEIGHT = 440;

  // The chart's canvas (axes and their labels are drawn on it) with the title above and a legend below.
  function compose(spec, plot) {
    var dpr = window.devicePixelRatio || 1;
    var src = plot.ctx.canvas;
    var legendRows = Math.ceil(spec.series.length / 4);
    var w = PNG_WIDTH, h = 34 + src.height / dpr + 8 + legendRows * 20 + 8;
    var c = document.createElement("canvas");
    c.width = Math.round(w * dpr);
    c.height = Math.round(h * dpr);
    var g = c.getContext("2d");
    g.scale(dpr, dpr);
    g.fillStyle = dark ? "#1e2128" : "#fff";
    g.fillRect(0, 0, w, h);
    g.fillStyle = ink;
    g.font = "bold 16px sans-serif";
    g.fillText(spec.title, 12, 22);
    g.drawImage(src, 0, 34, src.width / dpr, src.height / dpr);
    g.font = "13px sans-serif";
    spec.series.forEach(function (s, k) {
      var x = 60 + (k % 4) * 230, y = 34 + src.height / dpr + 8 + Math.floor(k / 4) * 20;
      g.fillStyle = palette[k % palette.length];
      g.fillRect(x, y + 2, 12, 12);
      g.fillStyle = ink;
      var text = s.label.length > 30 ? s.label.slice(0, 29) + "…" : s.label;
      g.fillText(text, x + 18, y + 13);
    });
    return c.toDataURL("image/png").replace(/^data:image\/png;base64,/, "");
  }

  var specs = {};
  data.charts.forEach(function (c) { specs[c.id] = c; });
  if (only) document.body.classList.add("only");
  if (pngMode) {
    var drawn = [];
    data.charts.forEach(function (spec) {
      if (!spec.main) return;
      var holder = document.createElement("figure");
      holder.innerHTML = '<div class="plot"></div>';
      document.body.appendChild(holder);
      try {
        drawn.push([spec, draw(holder, spec)]);
      } catch (e) {
        drawn.push([spec, e]);
      }
    });
    // uPlot paints in a microtask after construction: compose once that has run.
    setTimeout(function () {
      var lines = drawn.map(function (d) {
        if (d[1] instanceof Error) return d[0].id + " ERROR " + d[1].message;
        try {
          return d[0].id + " " + compose(d[0], d[1]);
        } catch (e) {
          return d[0].id + " ERROR " + e.message;
        }
      });
      var out = document.createElement("pre");
      out.id = "png-out";
      out.textContent = "\n" + lines.join("\n") + "\n";
      document.body.appendChild(out);
      document.body.setAttribute("data-ready", "1");
    }, 0);
    return;
  }
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
