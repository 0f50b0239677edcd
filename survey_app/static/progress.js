/* Progress page: draw the chart from the embedded JSON, then refresh chart and counts every 30 s. */
(function () {
  "use strict";
  var chart = document.getElementById("chart");
  var data = document.getElementById("chart-data");
  if (!chart || !data || !window.Plotly) { return; }
  function draw(figure) {
    window.Plotly.react(chart, figure.data, figure.layout, {displaylogo: false, responsive: true});
  }
  draw(JSON.parse(data.textContent));
  function refresh() {
    fetch(chart.dataset.source, {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (!body) { return; }
        draw(JSON.parse(body.chart));
        var byUnit = {};
        body.rows.forEach(function (row) { byUnit[row.unit_code] = row; });
        document.querySelectorAll("#progress tbody tr").forEach(function (tr) {
          var row = byUnit[tr.getAttribute("data-unit")];
          if (!row) { return; }
          tr.cells[3].textContent = row.collected;
          tr.cells[4].textContent = row.share === null ? "–" : Math.round(row.share * 100) + " %";
          tr.cells[5].textContent = row.margin === null ? "–" : "±" + (row.margin * 100).toFixed(1) + " %";
        });
      })
      .catch(function () { /* keep the last figures; try again next time */ });
  }
  window.setInterval(refresh, 30000);
}());
