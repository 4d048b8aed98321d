/* Moderation queue: j/k to move, a/r to decide, and new photos appear without a reload. */
(function () {
  "use strict";
  var queue = document.getElementById("queue");
  var current = 0;
  function items() { return queue.querySelectorAll(".queue-item"); }
  function focus(i) {
    var list = items();
    if (!list.length) return;
    current = Math.max(0, Math.min(list.length - 1, i));
    for (var k = 0; k < list.length; k++) list[k].classList.toggle("current", k === current);
    list[current].focus();
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
