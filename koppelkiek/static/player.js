/* The player page: live points and rank, the top of the board, notices, and "Your meetings".
   Needs kk.js, consent.js and socket.io. */
(function () {
  "use strict";
  var page = document.getElementById("player");
  var TOP_SHOWN = 5, topSeq = 0;

  var mine = null;
  function showMine(m) {
    mine = m;
    document.getElementById("points").textContent = m.points;
    document.getElementById("rank").textContent = m.rank === null || m.rank === undefined ? "–" : m.rank;
    if (page.getAttribute("data-state") === "ended") showThanks();
  }
  // After the end: a thank-you with the final rank (while the board is visible) and points.
  function showThanks() {
    var box = document.getElementById("thanks");
    if (!box || !mine) return;
    var ranked = mine.rank !== null && mine.rank !== undefined;
    var text = box.getAttribute(ranked ? "data-msg-rank" : "data-msg-norank");
    box.querySelector("[data-thanks-text]").textContent = kk.fill(text, { rank: mine.rank, points: mine.points });
    box.hidden = false;
  }
  // The round's state, live: paused and ended take the meeting buttons away; ended also the
  // countdown, for good (an ended round never starts again).
  function showRound(m) {
    var was = page.getAttribute("data-state");
    page.setAttribute("data-state", m.state);
    var text = page.getAttribute("data-msg-state-" + m.state);
    if (text && was !== m.state) page.querySelector("[data-testid=round-state]").textContent = text;
    var buttons = document.querySelector(".actions");
    if (buttons) buttons.hidden = m.state !== "live" || Date.parse(m.ends_at) <= Date.now();
    var left = page.querySelector("[data-countdown]");
    if (m.state === "ended") {
      var countdown = page.querySelector(".countdown");
      if (countdown) countdown.remove();
      showThanks();
      if (was !== "ended") refreshMe();
    } else if (left) {
      left.setAttribute("data-countdown", m.ends_at);
    }
  }
  // An organiser's decision on our photo: the same sentence as "Your meetings" shows (rendered
  // by the server, in this phone's language), on a card at the top.
  function showOutcome(photoId) {
    var line = document.querySelector('#my-photos [data-outcome-photo="' + photoId + '"]');
    var box = document.getElementById("outcome");
    if (!line || !box || !line.classList.contains("outcome")) return;
    box.className = "card outcome " + (line.getAttribute("data-status") === "rejected" ? "rejected" : "approved");
    box.setAttribute("data-status", line.getAttribute("data-status"));
    box.setAttribute("data-photo-id", photoId);
    box.textContent = line.textContent;
    box.hidden = false;
  }
  function refreshMe() {
    fetch(page.getAttribute("data-me-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); }).then(showMine).catch(function () {});
  }
  // "Your meetings" comes from the server; fetch the page again and swap in that list.
  function refreshMeetings() {
    return fetch(page.getAttribute("data-page-url"), { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
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
    else if (n.kind === "points") kk.celebrate(document.getElementById("scored"), n, 5000);
    else if (n.kind === "proposal") kk.toast((page.getAttribute("data-msg-proposal-" + n.status) || "").replace("__NAME__", kk.isolate(n.name || "")));
    if (n.kind === "moderation" && n.status === "rejected" && kk.dropConsent) kk.dropConsent(n.photo_id);
    if (n.kind === "moderation") refreshMeetings().then(function () { showOutcome(n.photo_id); });
    else if (n.kind === "meeting" || n.kind === "photo") refreshMeetings();
  });
  // A phone watches as a phone: its own row (`me`) when it changes, the round's state, and
  // the top of the board every few seconds; not every change of everyone's points.
  var roundId = parseInt(page.getAttribute("data-round-id"), 10);
  kk.watchRound(socket, { round_id: roundId, view: "phone" }, function (snap) {
    if (snap.me) showMine(snap.me); else refreshMe();
    showTop(snap);
    if (snap.round) showRound(snap.round);
  }).latest("me", showMine).latest("round", showRound);
  socket.on("top", showTop);
})();
