/* The afternoon at a glance on the organiser's round page (koppelkiek/glance.py): a chart of
   joins, meetings and photos per 5 minutes, phones connected, the moderation queue and the
   streets. Each `glance` message is the whole summary, so the page just redraws it. */
(function () {
  "use strict";
  var box = document.getElementById("glance");
  if (!box || typeof io === "undefined") return;
  var roundId = parseInt(box.getAttribute("data-round-id"), 10);
  var names = JSON.parse(box.getAttribute("data-series"));
  var SERIES = ["joins", "meetings", "photos"];
  var COLOURS = { joins: "#1565c0", meetings: "#2e7d32", photos: "#bf360c" };
  var chart = null;

  function figure(name, value) {
    box.querySelector('[data-testid="glance-' + name + '"]').textContent = String(value);
  }

  function drawChart(body) {
    if (typeof Chart === "undefined") return;
    var labels = body.buckets.map(function (b) { return b.label; });
    if (!chart) {
      chart = new Chart(document.getElementById("glance-chart"), {
        type: "bar",
        data: { labels: labels, datasets: SERIES.map(function (name) {
          return { label: names[name], backgroundColor: COLOURS[name], data: [] };
        }) },
        options: { animation: false, maintainAspectRatio: false,
                   scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
      });
    }
    chart.data.labels = labels;
    SERIES.forEach(function (name, i) {
      chart.data.datasets[i].data = body.buckets.map(function (b) { return b[name]; });
    });
    chart.update("none");
  }

  function drawStreets(streets) {
    var body = box.querySelector('[data-testid="glance-streets"] tbody');
    if (!streets.length) return;
    body.textContent = "";
    streets.forEach(function (street) {
      var row = document.createElement("tr");
      [street.name, street.players, street.across].forEach(function (value, i) {
        var cell = document.createElement("td");
        cell.textContent = String(value);
        if (i) cell.className = "number";
        row.appendChild(cell);
      });
      body.appendChild(row);
    });
  }

  function draw(body) {
    if (body.round_id !== roundId) return;
    figure("phones", body.phones);
    figure("queue", body.queue);
    SERIES.forEach(function (name) { figure(name, body.totals[name]); });
    drawChart(body);
    drawStreets(body.streets);
    box.setAttribute("data-seq", String(body.seq));
    box.setAttribute("data-drawn", SERIES.map(function (name) {
      return body.totals[name]; }).join(","));
  }

  var socket = io({ transports: ["websocket", "polling"] });
  // On every (re)connect the server answers with the whole summary at once, then sends it
  // again whenever it changed: nothing to catch up.
  socket.on("connect", function () { socket.emit("glance", { round_id: roundId }); });
  socket.on("glance", draw);
})();
