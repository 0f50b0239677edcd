/* Draw every plotly figure embedded as <script type="application/json" data-chart-for="ID">. */
(function () {
  "use strict";
  if (!window.Plotly) { return; }
  document.querySelectorAll("script[type='application/json'][data-chart-for]").forEach(function (block) {
    var target = document.getElementById(block.getAttribute("data-chart-for"));
    if (!target) { return; }
    var figure = JSON.parse(block.textContent);
    window.Plotly.newPlot(target, figure.data, figure.layout, {displaylogo: false, responsive: true});
  });
}());
