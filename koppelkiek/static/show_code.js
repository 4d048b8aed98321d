/* "Show my code": a fresh code every 30 s while the page is visible; the partner's claim shows
   live. Needs kk.js and position.js. */
(function () {
  "use strict";
  var show = document.getElementById("show-code");
  var qrBox = document.getElementById("qr"), shortCode = document.getElementById("short-code");
  var errorBox = document.getElementById("code-error");
  var timer = null, countdown = 30;
  var OVER = { round_ended: true, not_in_round: true }, over = false;
  kk.watchPosition();

  function refresh() {
    clearTimeout(timer);
    if (document.hidden || over) return;
    // The first code waits a moment for a position, so the distance check can work.
    kk.currentPosition(1500).then(function (pos) {
      return kk.api("POST", show.getAttribute("data-codes-url"), kk.withPosition({}, pos));
    }).then(function (res) {
      if (!res.ok) throw res;
      errorBox.hidden = true;
      shortCode.textContent = res.body.code.slice(0, 3) + " " + res.body.code.slice(3);
      shortCode.setAttribute("data-code", res.body.code);
      return fetch(res.body.qr_svg_url, { credentials: "same-origin" }).then(function (r) { return r.text(); })
        .then(function (svg) {
          qrBox.innerHTML = svg;
          countdown = res.body.refresh_seconds || 30;
          timer = setTimeout(refresh, countdown * 1000);
        });
    }).catch(function (res) {
      var error = res && res.body && res.body.error;
      if (error && OVER[error.code]) return leave();
      kk.showError(errorBox, res, show.getAttribute("data-msg-error"));
      timer = setTimeout(refresh, 5000);
    });
  }
  // Once the round is over (or this phone is out of it), no code can be claimed: asking again
  // every few seconds would only load the server. The player page says what happened.
  function leave() {
    clearTimeout(timer);
    over = true;
    // Just met here: stay, so "Take our photo" can still be tapped; only the code goes.
    if (!document.getElementById("met-photo").hidden) {
      qrBox.hidden = shortCode.hidden = true;
      document.querySelector("#show-code .countdown").hidden = true;
      return;
    }
    location.replace(show.getAttribute("data-player-url"));
  }
  var endsIn = Date.parse(show.getAttribute("data-ends-at")) - Date.now();
  if (endsIn > 0 && endsIn < 864e5) setTimeout(leave, endsIn + 1000);
  setInterval(function () {
    countdown = Math.max(0, countdown - 1);
    document.getElementById("code-countdown").textContent = countdown;
  }, 1000);
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) clearTimeout(timer); else refresh();
  });
  refresh();

  var socket = kk.socket();
  if (socket) {
    socket.on("notice", function (n) {
      if (n.kind !== "meeting") return;
      var met = document.getElementById("met");
      met.textContent = show.getAttribute("data-msg-met").replace("__NAME__", kk.isolate(n.partner));
      met.hidden = false;
      var toPhoto = document.getElementById("met-photo");
      toPhoto.href = kk.withId(show.getAttribute("data-meeting-url"), n.meeting_id);
      toPhoto.hidden = false;
      refresh();
    });
  }
})();
