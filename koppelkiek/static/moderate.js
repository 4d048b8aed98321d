/* Moderation queue: j/k to move, a/r to decide, and new photos appear without a reload. The
   map above the queue (console_map.js) shows where the current photo was taken. */
(function () {
  "use strict";
  var queue = document.getElementById("queue");
  var current = 0;
  var holder = document.querySelector(".queue-map [data-map]");
  var map = holder && window.kkMaps && window.kkMaps.make(holder);
  var point = null;
  function showPoint(item) {
    if (!map) return;
    var lat = item && parseFloat(item.getAttribute("data-lat"));
    var lon = item && parseFloat(item.getAttribute("data-lon"));
    if (!isFinite(lat) || !isFinite(lon)) {
      if (point) { point.remove(); point = null; }
      holder.removeAttribute("data-point");
      return;
    }
    if (point) point.setLatLng([lat, lon]);
    else point = L.circleMarker([lat, lon], { radius: 8, color: "#b71c1c", weight: 3,
                                              fillOpacity: 0.6, className: "photo-point" }).addTo(map);
    holder.setAttribute("data-point", lat.toFixed(6) + "," + lon.toFixed(6));
  }
  function items() { return queue.querySelectorAll(".queue-item"); }
  queue.addEventListener("click", function (e) {
    var item = e.target.closest && e.target.closest(".queue-item");
    var list = Array.prototype.indexOf.call(items(), item);
    if (item && list >= 0 && e.target.tagName !== "BUTTON" && e.target.tagName !== "SELECT" &&
        e.target.tagName !== "INPUT") focus(list);
  });
  function focus(i) {
    var list = items();
    if (!list.length) return;
    current = Math.max(0, Math.min(list.length - 1, i));
    for (var k = 0; k < list.length; k++) list[k].classList.toggle("current", k === current);
    list[current].focus();
    showPoint(list[current]);
  }
  function press(action) {
    var item = items()[current];
    var button = item && item.querySelector('[data-action="' + action + '"]');
    if (button) button.click();
  }
  document.addEventListener("keydown", function (e) {
    if (e.target.tagName === "INPUT" || e.target.tagName === "SELECT" || e.metaKey || e.ctrlKey) return;
    if (e.key === "j") focus(current + 1);
    else if (e.key === "k") focus(current - 1);
    else if (e.key === "a") press("approve");
    else if (e.key === "r") press("reject");
  });
  function reload() {
    fetch(queue.getAttribute("data-fragment-url"), { credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) { queue.innerHTML = html; focus(current); });
  }
  if (typeof io !== "undefined") {
    var socket = io({ transports: ["websocket", "polling"] });
    socket.on("connect", function () {
      socket.emit("watch", { round_id: parseInt(queue.getAttribute("data-round-id"), 10), since_seq: 0 });
    });
    socket.on("queue", reload);
  }
  focus(0);
})();
