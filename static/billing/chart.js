/* Billing charts: stacked bars on a <canvas>, no library, no inline script (CSP script-src 'self').
   Data comes from the page's <script type="application/json" id="billing-chart-data"> (json_script).
   Each drawn canvas gets data-drawn="<bars drawn>" and data-total="<sum of the values>". */
(function () {
  "use strict";
  var COLORS = ["#417690", "#79aec8", "#e8a33d", "#5b8c5a", "#b05a7a"];

  function sum(values) { return values.reduce(function (a, b) { return a + b; }, 0); }

  function draw(canvas, chart) {
    var ctx = canvas.getContext("2d");
    var series = chart.series.map(function (s) { return { label: s.label, values: s.values.map(Number) }; });
    var labels = chart.labels, n = labels.length;
    var width = canvas.width, height = canvas.height, left = 56, bottom = 36, top = 24;
    ctx.clearRect(0, 0, width, height);
    ctx.font = "11px sans-serif";
    ctx.fillStyle = getComputedStyle(canvas).color || "#333";
    if (!n) { ctx.fillText("No usage recorded for this period yet.", left, height / 2); canvas.dataset.drawn = "0"; return; }
    var stacks = labels.map(function (_, i) { return sum(series.map(function (s) { return s.values[i] || 0; })); });
    var max = Math.max.apply(null, stacks.concat([0.01]));
    var plotH = height - top - bottom, slot = (width - left - 8) / n, barW = Math.max(2, slot * 0.7);
    for (var t = 0; t <= 4; t++) {  // axis with 5 ticks
      var y = top + plotH - plotH * t / 4;
      ctx.fillText((max * t / 4).toFixed(max < 10 ? 2 : 0), 4, y + 4);
      ctx.fillRect(left - 4, y, width - left, 0.5);
    }
    var bars = 0;
    labels.forEach(function (label, i) {
      var x = left + i * slot + (slot - barW) / 2, y = top + plotH;
      series.forEach(function (s, k) {
        var h = plotH * (s.values[i] || 0) / max;
        if (h > 0) { ctx.fillStyle = COLORS[k % COLORS.length]; ctx.fillRect(x, y - h, barW, h); bars++; }
        y -= h;
      });
      ctx.fillStyle = getComputedStyle(canvas).color || "#333";
      if (n <= 16 || i % Math.ceil(n / 16) === 0) { ctx.fillText(label, x, height - bottom + 14); }
    });
    series.forEach(function (s, k) {  // legend
      ctx.fillStyle = COLORS[k % COLORS.length];
      ctx.fillRect(left + k * 150, 6, 10, 10);
      ctx.fillStyle = getComputedStyle(canvas).color || "#333";
      ctx.fillText(s.label, left + k * 150 + 14, 15);
    });
    canvas.dataset.drawn = String(bars);
    canvas.dataset.total = sum(stacks).toFixed(2);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("billing-chart-data");
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (data[canvas.dataset.chart]) { draw(canvas, data[canvas.dataset.chart]); }
    });
  });
})();
