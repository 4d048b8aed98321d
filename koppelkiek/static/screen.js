/* The community-centre screen: watches one round, resyncs by itself, never needs a reload. */
(function () {
  "use strict";
  var body = document.getElementById("screen");
  var roundId = parseInt(body.getAttribute("data-round-id"), 10);
  var state = { hidden: false, revealAt: null, top: [], teams: [], photos: [],
    round: { state: body.getAttribute("data-state"), starts_at: body.getAttribute("data-starts-at"),
      ends_at: body.getAttribute("data-ends-at") } };
  // Bounded: the DOM and these lists never grow, however long the afternoon.
  var MAX_ROWS = 10, MAX_PHOTOS = 12, WALL_SHOWN = 4, ROTATE_MS = 8000;
  var wallOffset = 0;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function msg(name) { return body.getAttribute("data-msg-" + name) || ""; }
  function localTime(iso) {
    var d = new Date(iso);
    return (d.getHours() < 10 ? "0" : "") + d.getHours() + ":" + (d.getMinutes() < 10 ? "0" : "") + d.getMinutes();
  }

  function renderList(id, rows, label) {
    var fresh = document.createDocumentFragment();
    rows.slice(0, MAX_ROWS).forEach(function (r, i) {
      var li = el("li");
      li.appendChild(el("span", "rank", String(r.rank || i + 1)));
      li.appendChild(el("span", "name", label(r)));
      li.appendChild(el("span", "points", String(r.points)));
      fresh.appendChild(li);
    });
    document.getElementById(id).replaceChildren(fresh);
  }

  function renderBoard() {
    var note = document.getElementById("board-note");
    if (state.hidden) {
      note.textContent = msg("hidden").replace("__TIME__", state.revealAt ? localTime(state.revealAt) : "");
      note.hidden = false;
    } else { note.hidden = true; }
    renderList("standings", state.hidden ? [] : state.top, function (r) { return r.display_name; });
    renderList("teams", state.hidden ? [] : state.teams, function (r) { return r.team; });
    var podium = document.getElementById("podium");
    if (state.round.state === "ended" && !state.hidden) {
      var fresh = document.createDocumentFragment();
      state.top.slice(0, 3).forEach(function (r, i) {
        var step = el("div", "step step-" + (i + 1));
        step.appendChild(el("span", "place", String(i + 1)));
        step.appendChild(el("span", "name", r.display_name));
        step.appendChild(el("span", "points", String(r.points)));
        fresh.appendChild(step);
      });
      podium.replaceChildren(fresh);
      podium.hidden = false;
    } else { podium.hidden = true; }
  }

  function renderWall() {
    var wall = document.getElementById("wall");
    var fresh = document.createDocumentFragment();
    var n = Math.min(WALL_SHOWN, state.photos.length);
    for (var i = 0; i < n; i++) {
      var p = state.photos[(wallOffset + i) % state.photos.length];
      var fig = el("figure");
      var img = el("img"); img.src = p.display_url; img.alt = p.names.join(" & ");
      fig.appendChild(img);
      var caption = el("figcaption", "", p.names.join(" & "));
      if (p.spot) {
        var spot = el("div", "spot", p.spot.excerpt ? p.spot.name + ": " + p.spot.excerpt : p.spot.name);
        spot.setAttribute("data-kk-spot", String(p.spot.id));  // its languages: screen_languages.js
        caption.appendChild(spot);
      }
      fig.appendChild(caption);
      fresh.appendChild(fig);
    }
    wall.replaceChildren(fresh);
  }
  setInterval(function () {
    if (state.photos.length > WALL_SHOWN) { wallOffset = (wallOffset + WALL_SHOWN) % state.photos.length; renderWall(); }
  }, ROTATE_MS);

  function renderClock() {
    var r = state.round, now = Date.now(), label = "", target = null;
    if (r.state === "live" && Date.parse(r.starts_at) > now) { label = msg("before"); target = r.starts_at; }
    else if (r.state === "live") { label = msg("live"); target = r.ends_at; }
    else if (r.state === "paused") { label = msg("paused"); }
    else if (r.state === "ended") { label = msg("ended"); }
    else { label = msg("draft"); target = r.starts_at; }
    document.getElementById("clock-label").textContent = label;
    document.getElementById("clock").textContent = target ? kk.timeLeft(target) : "";
    body.setAttribute("data-state", r.state);
    body.classList.toggle("before-start", r.state === "live" && Date.parse(r.starts_at) > now);
  }
  setInterval(renderClock, 1000);

  function applySnapshot(snap) {
    // A draft round's page showed nothing of it; now that it is public, load the real one.
    if (body.hasAttribute("data-closed")) { window.location.reload(); return; }
    state.round = snap.round;
    state.hidden = !!snap.hidden; state.revealAt = snap.reveal_at;
    state.top = snap.standings || []; state.teams = snap.teams || [];
    state.photos = (snap.photos || []).slice(0, MAX_PHOTOS);
    wallOffset = 0;
    document.getElementById("round-name").textContent = snap.round.name;
    body.setAttribute("data-seq", String(snap.seq));
    renderBoard(); renderWall(); renderClock();
  }

  var socket = kk.socket({ reconnectionDelayMax: 5000 });
  socket.on("connect", function () {
    document.getElementById("reconnecting").hidden = true;
    body.classList.remove("offline");
  });
  socket.on("disconnect", function () {
    document.getElementById("reconnecting").hidden = false;
    body.classList.add("offline");
  });
  var watcher = kk.watchRound(socket, { round_id: roundId }, applySnapshot);
  // A round that has not opened yet is not public: keep asking until it is, no reload needed.
  socket.on("refused", function () { setTimeout(watcher.ask, 15000); });
  // The body shows the seq the screen is at (data-seq), for a look and for the tests.
  function atSeq(handler) {
    return function (m) {
      body.setAttribute("data-seq", String(m.seq));
      handler(m);
    };
  }
  watcher.delta("round", atSeq(function (m) {
    state.round.state = m.state; state.round.ends_at = m.ends_at; state.round.starts_at = m.starts_at;
    renderClock(); renderBoard();
  }));
  watcher.delta("standings", atSeq(function (m) {
    state.hidden = !!m.hidden;
    if (!m.hidden) { state.top = m.top || []; state.teams = m.teams || []; }
    renderBoard();
    kk.celebrate(document.getElementById("scored"), m.scored, 6000);
  }));
  watcher.delta("photo", atSeq(function (m) {
    state.photos = state.photos.filter(function (p) { return p.id !== m.id; });
    if (m.on_wall) state.photos.unshift(m);
    state.photos = state.photos.slice(0, MAX_PHOTOS);
    wallOffset = 0;
    renderWall();
  }));
  renderClock();
})();
