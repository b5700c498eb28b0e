/* Draws the dashboard's charts from the tables that carry their numbers (no inline script:
   the CSP allows none). Each table[data-chart] has a box before it, hidden until a chart
   is drawn in it: without JavaScript, or without Chart.js, the tables are all there is.
   The canvas is hidden from screen readers; they read the table. */
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") { return; }
  var INK = "#1d5d90";
  var GRID = "#d5dbe1";
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function readTable(table, kind) {
    var labels = [];
    var values = [];
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var label = row.querySelector("th");
      var cell = row.querySelector(kind === "share" ? "td[data-share]" : "td[data-value]");
      if (!label || !cell) { return; }
      labels.push(label.textContent.trim());
      values.push(Number(kind === "share" ? cell.dataset.share : cell.dataset.value));
    });
    return { labels: labels, values: values };
  }

  function draw(box, table) {
    var kind = table.dataset.chart;
    var data = readTable(table, kind);
    if (!data.values.length) { return; }
    var canvas = document.createElement("canvas");
    canvas.setAttribute("aria-hidden", "true");
    box.appendChild(canvas);
    box.hidden = false;
    var horizontal = kind !== "line";
    box.classList.add(horizontal ? "chart-box-bars" : "chart-box-line");
    if (horizontal) {
      box.classList.add("chart-rows-" + Math.min(data.values.length, 24));
    }
    var valueAxis = {
      beginAtZero: true,
      grid: { color: GRID },
      ticks: { precision: 0 },
    };
    if (kind === "share") {
      valueAxis.max = 100;
      valueAxis.ticks = { callback: function (v) { return v + "%"; } };
    }
    var label = kind === "share" ? "Share of " + table.dataset.unit : table.dataset.unit;
    new window.Chart(canvas, {
      type: kind === "line" ? "line" : "bar",
      data: {
        labels: data.labels,
        datasets: [{
          label: label.charAt(0).toUpperCase() + label.slice(1),
          data: data.values,
          backgroundColor: INK,
          borderColor: INK,
          pointRadius: data.values.length > 60 ? 0 : 3,
          tension: 0,
        }],
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: reduceMotion ? false : { duration: 300 },
        plugins: { legend: { display: false } },
        scales: horizontal
          ? { x: valueAxis, y: { grid: { display: false } } }
          : { y: valueAxis, x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true } } },
      },
    });
  }

  document.querySelectorAll(".chart-box[data-chart-for]").forEach(function (box) {
    var table = document.getElementById(box.dataset.chartFor);
    if (table) { draw(box, table); }
  });
})();
