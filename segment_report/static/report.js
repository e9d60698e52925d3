// Draws every chart of the page from its inline JSON (script.figure-spec), with the
// static stand-in where a chart has one and the browser has no WebGL; then sets
// body[data-charts-drawn] to the number of charts drawn. Charts folded in a closed
// <details> are drawn too, and resized to their slot when it is opened.
(function () {
  "use strict";
  function webglWorks() {
    try {
      var canvas = document.createElement("canvas");
      var gl = canvas.getContext("webgl") || canvas.getContext("experimental-webgl");
      return !!(gl && typeof gl.getParameter === "function");
    } catch (error) {
      return false;
    }
  }
  var config = JSON.parse(document.getElementById("plotly-config").textContent);
  var webgl = webglWorks();
  document.body.dataset.webgl = webgl ? "yes" : "no";
  var specs = document.querySelectorAll("script.figure-spec");
  var drawn = [];
  Array.prototype.forEach.call(specs, function (node) {
    var spec = JSON.parse(node.textContent);
    var slot = document.getElementById(spec.target);
    var figure = spec.figure;
    if (spec.fallback && !webgl) {
      figure = spec.fallback;
      slot.closest("figure").classList.add("is-fallback");
    }
    drawn.push(Plotly.newPlot(slot, figure.data, figure.layout, config));
  });
  Array.prototype.forEach.call(document.querySelectorAll("details"), function (details) {
    details.addEventListener("toggle", function () {
      if (!details.open) return;
      Array.prototype.forEach.call(details.querySelectorAll(".js-plotly-plot"), function (plot) {
        Plotly.Plots.resize(plot);
      });
    });
  });
  Promise.all(drawn).then(function () {
    document.body.dataset.chartsDrawn = String(drawn.length);
  });
})();
