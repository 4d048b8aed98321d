/* Koppelkiek player pages: rotating code, claims, live notices. No framework, old phones welcome. */
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  // A busy server answers 503 `busy` with Retry-After: wait that long (plus a random share, so
  // phones told the same moment do not all come back at once), say so, and try again.
  var MAX_TRIES = 6;
  var busyNote = document.getElementById("busy");
  function showBusy(on) { if (busyNote) busyNote.hidden = !on; }
  function retryDelay(retryAfter, attempt) {
    var seconds = parseFloat(retryAfter);
    var base = isFinite(seconds) && seconds >= 0 ? seconds * 1000 : Math.min(30000, 1000 * Math.pow(2, attempt));
    return base + Math.random() * Math.max(500, base / 2);
  }
  function isBusy(status, body) {
    return status === 503 && (!body || !body.error || body.error.code === "busy");
  }
  function later(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  function api(method, url, data, attempt) {
    attempt = attempt || 0;
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: data ? JSON.stringify(data) : undefined
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (isBusy(r.status, body) && attempt < MAX_TRIES - 1) {
          showBusy(true);
          return later(retryDelay(r.headers.get("Retry-After"), attempt)).then(function () {
            return api(method, url, data, attempt + 1);
          });
        }
        showBusy(false);
        return { ok: r.ok, status: r.status, body: body };
      });
    });
  }

  function toast(text) {
    var box = document.getElementById("toasts");
    if (!box) return;
    var el = document.createElement("p");
    el.className = "toast";
    el.textContent = text;
    box.appendChild(el);
    while (box.children.length > 3) box.removeChild(box.firstChild);
    setTimeout(function () { if (el.parentNode) el.parentNode.removeChild(el); }, 8000);
  }

  // Countdowns to a moment, e.g. the end of the round.
  function tickCountdowns() {
    var els = document.querySelectorAll("[data-countdown]");
    for (var i = 0; i < els.length; i++) {
      var left = Math.max(0, Math.floor((Date.parse(els[i].getAttribute("data-countdown")) - Date.now()) / 1000));
      var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
      els[i].textContent = (h ? h + ":" : "") + (h && m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
    }
  }
  setInterval(tickCountdowns, 1000);
  tickCountdowns();

  // Live notices on the player's private room.
  function connectSocket(onNotice) {
    if (typeof io === "undefined") return null;
    var socket = io({ transports: ["websocket", "polling"] });
    socket.on("notice", onNotice);
    return socket;
  }

  // Consent for the big screen: asked on the player page and right after a photo is accepted.
  var ask = document.getElementById("consent-ask");
  var askConsent = function (photoId, imageUrl) {
    if (!ask) return;
    ask.setAttribute("data-photo-id", photoId);
    document.getElementById("consent-photo").src = imageUrl;
    ask.hidden = false;
  };
  var sendConsent = function (photoId, show) {
    return api("POST", "/api/v1/photos/" + photoId + "/consent", { show: show }).then(function (res) {
      var box = document.querySelector('[data-photo-consent="' + photoId + '"]');
      if (box && res.ok) box.checked = show;
      if (res.ok && !show && ask) toast(ask.getAttribute("data-msg-withdrawn"));
      if (!res.ok && res.body.error) toast(res.body.error.message);
    });
  };
  if (ask) {
    ask.addEventListener("click", function (e) {
      var choice = e.target.getAttribute && e.target.getAttribute("data-consent");
      if (!choice) return;
      sendConsent(ask.getAttribute("data-photo-id"), choice === "true").then(function () { ask.hidden = true; });
    });
  }
  document.addEventListener("change", function (e) {
    var id = e.target.getAttribute && e.target.getAttribute("data-photo-consent");
    if (id) sendConsent(id, e.target.checked);
  });

  // The player page: live points and rank, notices, and consent for the big screen.
  var playerBox = document.getElementById("player");
  if (playerBox) {
    var roundId = parseInt(playerBox.getAttribute("data-round-id"), 10);
    var seq = 0;
    var refreshMe = function () {
      fetch("/api/v1/me", { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); }).then(function (me) {
          document.getElementById("points").textContent = me.points;
          document.getElementById("rank").textContent = me.rank === null ? "–" : me.rank;
        }).catch(function () {});
    };
    // "Your meetings" comes from the server; fetch the page again and swap in that list.
    var refreshMeetings = function () {
      fetch("/play", { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("my-photos");
        var old = document.getElementById("my-photos");
        if (fresh && old) old.replaceWith(fresh);
        else if (fresh) document.querySelector(".actions").after(fresh);
      }).catch(function () {});
    };
    var scoredBanner = document.getElementById("scored");
    var celebrate = function (scored) {
      if (!scored || !scored.points || !scored.names) return;
      scoredBanner.textContent = "+" + scored.points + " " + scored.names.join(" & ");
      scoredBanner.hidden = false;
      scoredBanner.classList.remove("pop"); void scoredBanner.offsetWidth; scoredBanner.classList.add("pop");
      clearTimeout(celebrate.timer);
      celebrate.timer = setTimeout(function () { scoredBanner.hidden = true; }, 5000);
    };
    var showMine = function (m) {
      document.getElementById("points").textContent = m.points;
      document.getElementById("rank").textContent = m.rank === null || m.rank === undefined ? "–" : m.rank;
    };
    var topSeq = 0, TOP_SHOWN = 5;
    var showTop = function (m) {
      var box = document.getElementById("top-board");
      if (!box || m.seq < topSeq) return;
      topSeq = m.seq;
      var rows = m.hidden ? [] : (m.standings || []).slice(0, TOP_SHOWN);
      var fresh = document.createDocumentFragment();
      rows.forEach(function (r) {
        var li = document.createElement("li");
        li.textContent = r.display_name + " · " + r.points;
        fresh.appendChild(li);
      });
      box.querySelector("ol").replaceChildren(fresh);
      box.hidden = rows.length === 0;
    };
    var socket = connectSocket(function (n) {
      if (n.kind === "meeting") toast(playerBox.getAttribute("data-msg-met").replace("__NAME__", n.partner));
      else if (n.kind === "consent") askConsent(n.photo_id, "/photos/" + n.image + ".jpg");
      else if (n.kind === "moderation" && n.reason) toast(n.reason);
      else if (n.kind === "points") celebrate(n);
      if (n.kind === "meeting" || n.kind === "photo" || n.kind === "moderation") refreshMeetings();
    });
    if (socket) {
      // A phone watches as a phone: its own row (`me`) when it changes, the round's state, and
      // the top of the board every few seconds; not every change of everyone's points.
      var watchRound = function () { socket.emit("watch", { round_id: roundId, since_seq: seq, view: "phone" }); };
      socket.on("connect", watchRound);
      socket.on("snapshot", function (snap) {
        seq = snap.seq;
        if (snap.me) showMine(snap.me); else refreshMe();
        showTop(snap);
      });
      socket.on("top", showTop);
      // Each message is whole (not a difference): an older one than we have is simply skipped.
      socket.on("me", function (m) { if (m.seq >= seq) { seq = m.seq; showMine(m); } });
      socket.on("round", function (m) {
        if (m.seq < seq) return;
        seq = m.seq;
        playerBox.setAttribute("data-state", m.state);
        var left = playerBox.querySelector("[data-countdown]");
        if (left) left.setAttribute("data-countdown", m.ends_at);
      });
    }
    if (!socket) refreshMe();
  }
})();
