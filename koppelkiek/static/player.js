/* The player page: live points and rank, the top of the board, notices, and "Your meetings".
   Needs kk.js, consent.js and socket.io. */
(function () {
  "use strict";
  var page = document.getElementById("player");
  var TOP_SHOWN = 5, topSeq = 0;

  function showMine(m) {
    document.getElementById("points").textContent = m.points;
    document.getElementById("rank").textContent = m.rank === null || m.rank === undefined ? "–" : m.rank;
  }
  function refreshMe() {
    fetch(page.getAttribute("data-me-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); }).then(showMine).catch(function () {});
  }
  // "Your meetings" comes from the server; fetch the page again and swap in that list.
  function refreshMeetings() {
    fetch(page.getAttribute("data-page-url"), { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("my-photos");
      var old = document.getElementById("my-photos");
      if (fresh && old) old.replaceWith(fresh);
      else if (fresh) document.querySelector(".actions").after(fresh);
    }).catch(function () {});
  }
  // The top of the board comes every few seconds, each whole: an older one is skipped.
  function showTop(m) {
    var box = document.getElementById("top-board");
    if (!box || m.seq < topSeq) return;
    topSeq = m.seq;
    var rows = m.hidden ? [] : (m.standings || []).slice(0, TOP_SHOWN);
    var fresh = document.createDocumentFragment();
    rows.forEach(function (r) {
      var li = document.createElement("li");
      li.textContent = kk.isolate(r.display_name) + " · " + kk.isolate(String(r.points));
      fresh.appendChild(li);
    });
    box.querySelector("ol").replaceChildren(fresh);
    box.hidden = rows.length === 0;
  }

  var socket = kk.socket();
  if (!socket) { refreshMe(); return; }
  socket.on("notice", function (n) {
    if (n.kind === "meeting") kk.toast(page.getAttribute("data-msg-met").replace("__NAME__", kk.isolate(n.partner)));
    else if (n.kind === "consent") kk.askConsentForImage(n.photo_id, n.image);
    else if (n.kind === "moderation" && n.reason) kk.toast(n.reason);
    else if (n.kind === "points") kk.celebrate(document.getElementById("scored"), n, 5000);
    if (n.kind === "meeting" || n.kind === "photo" || n.kind === "moderation") refreshMeetings();
  });
  // A phone watches as a phone: its own row (`me`) when it changes, the round's state, and
  // the top of the board every few seconds; not every change of everyone's points.
  var roundId = parseInt(page.getAttribute("data-round-id"), 10);
  kk.watchRound(socket, { round_id: roundId, view: "phone" }, function (snap) {
    if (snap.me) showMine(snap.me); else refreshMe();
    showTop(snap);
  }).latest("me", showMine).latest("round", function (m) {
    page.setAttribute("data-state", m.state);
    var left = page.querySelector("[data-countdown]");
    if (left) left.setAttribute("data-countdown", m.ends_at);
  });
  socket.on("top", showTop);
})();
