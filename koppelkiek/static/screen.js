/* The community-centre screen: watches one round, resyncs by itself, never needs a reload. */
(function () {
  "use strict";
  var body = document.getElementById("screen");
  var roundId = parseInt(body.getAttribute("data-round-id"), 10);
  var state = { hidden: false, revealAt: null, top: [], teams: [], photos: [],
    round: { state: body.getAttribute("data-state"), starts_at: body.getAttribute("data-starts-at"),
      ends_at: body.getAttribute("data-ends-at") } };
  // Bounded: the DOM and these lists never grow, however long the afternoon. The caps are what
  // fits on the screen (screen.css), not what the server sends.
  var MAX_ROWS = 10, MAX_TEAMS = 5, PODIUM = 3, ROWS_UNDER_PODIUM = 5, MAX_PHOTOS = 12;
  var ROTATE_MS = 8000;  // each photo stays this long before the next one fades in
  var current = null;  // the id of the photo on show

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
    rows.forEach(function (r, i) {
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
    var ended = state.round.state === "ended" && !state.hidden;
    var players = state.hidden ? [] : state.top;
    // After the end the top three stand on the podium, and the list goes on below them.
    renderList("standings", ended ? players.slice(PODIUM, PODIUM + ROWS_UNDER_PODIUM) : players.slice(0, MAX_ROWS),
      function (r) { return r.display_name; });
    var teams = state.hidden ? [] : state.teams.slice(0, MAX_TEAMS);
    renderList("teams", teams, function (r) { return r.team; });
    document.getElementById("teams-title").hidden = teams.length === 0;
    var podium = document.getElementById("podium");
    if (ended && players.length) {
      var fresh = document.createDocumentFragment();
      players.slice(0, PODIUM).forEach(function (r, i) {
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

  // The wall: one figure per photo (at most MAX_PHOTOS), each with its caption; one is shown
  // at a time. Figures are kept by photo id, so a turn of the wall loads no image again.
  function figureFor(p, old) {
    var fig = old[p.id];
    if (fig) return fig;
    fig = el("figure");
    fig.setAttribute("data-photo-id", String(p.id));
    // The whole photo, upright or not, over a blurred copy of itself that fills the frame.
    var frame = el("div", "frame");
    var backdrop = el("img", "backdrop"); backdrop.src = p.thumb_url; backdrop.alt = "";
    var img = el("img", "photo"); img.src = p.display_url; img.alt = p.names.join(" & ");
    frame.appendChild(backdrop);
    frame.appendChild(img);
    fig.appendChild(frame);
    var caption = el("figcaption", "", p.names.join(" & "));
    if (p.spot) {
      var spot = el("div", "spot", p.spot.excerpt ? p.spot.name + ": " + p.spot.excerpt : p.spot.name);
      spot.setAttribute("data-kk-spot", String(p.spot.id));  // its languages: screen_languages.js
      caption.appendChild(spot);
      if (p.spot.teller) {
        // "told by Fatma" (a teller who agreed to be named); screen_languages.js swaps its words.
        var teller = el("div", "teller", msg("told-by").replace("__NAME__", p.spot.teller));
        teller.setAttribute("data-kk-teller", p.spot.teller);
        caption.appendChild(teller);
      }
    }
    fig.appendChild(caption);
    return fig;
  }
  function renderWall() {
    var wall = document.getElementById("wall");
    var old = {};
    Array.prototype.forEach.call(wall.children, function (f) { old[f.getAttribute("data-photo-id")] = f; });
    var fresh = document.createDocumentFragment();
    state.photos.forEach(function (p) { fresh.appendChild(figureFor(p, old)); });
    wall.replaceChildren(fresh);
    var ids = state.photos.map(function (p) { return p.id; });
    if (ids.indexOf(current) < 0) current = ids.length ? ids[0] : null;
    document.getElementById("wall-empty").hidden = ids.length > 0;
    wall.hidden = ids.length === 0;
    showCurrent();
  }
  function showCurrent() {
    var wall = document.getElementById("wall");
    Array.prototype.forEach.call(wall.children, function (f) {
      var on = f.getAttribute("data-photo-id") === String(current);
      f.classList.toggle("current", on);
      f.setAttribute("aria-hidden", on ? "false" : "true");
    });
    body.setAttribute("data-shown-photo", current === null ? "" : String(current));
  }
  // The next photo, oldest after newest, round and round; restarted when a new one arrives.
  var turning = null;
  function turnEvery() {
    clearInterval(turning);
    turning = setInterval(function () {
      if (state.photos.length < 2) return;
      var ids = state.photos.map(function (p) { return p.id; });
      current = ids[(ids.indexOf(current) + 1) % ids.length];
      showCurrent();
    }, ROTATE_MS);
  }
  turnEvery();

  // The latest points, large, until the next ones.
  function showScored(scored) {
    if (!scored || !scored.points || !scored.names) return;
    var box = document.getElementById("scored");
    box.querySelector(".plus").textContent = "+" + scored.points;
    box.querySelector(".names").textContent = scored.names.join(" & ");
    box.hidden = false;
    box.classList.remove("pop"); void box.offsetWidth; box.classList.add("pop");
  }

  // The chime: off unless someone switched it on here (remembered in this browser). The
  // AudioContext is made on that click, as browsers allow sound only after one; the tone is
  // made on the spot, so no audio file is fetched.
  var CHIME_KEY = "koppelkiek.screen.chime";
  var chimeButton = document.getElementById("chime");
  var audio = null;
  function stored() { try { return localStorage.getItem(CHIME_KEY) === "on"; } catch (e) { return false; } }
  var chimeOn = stored();
  function renderChime() {
    if (!chimeButton) return;
    chimeButton.setAttribute("aria-pressed", chimeOn ? "true" : "false");
    chimeButton.textContent = msg(chimeOn ? "chime-on" : "chime-off");
  }
  function audioContext() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!audio && Context) audio = new Context();
    if (audio && audio.state === "suspended") audio.resume();
    return audio;
  }
  function chime() {
    if (!chimeOn) return;
    var ctx = audioContext();
    if (!ctx) return;
    // Two soft bell-like notes, E5 then A5, each fading out.
    [659.25, 880].forEach(function (hz, i) {
      var at = ctx.currentTime + i * 0.18;
      var osc = ctx.createOscillator(), gain = ctx.createGain();
      osc.type = "sine"; osc.frequency.value = hz;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.3, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.9);
      osc.connect(gain); gain.connect(ctx.destination);
      osc.start(at); osc.stop(at + 1);
    });
  }
  if (chimeButton) {
    chimeButton.addEventListener("click", function () {
      chimeOn = !chimeOn;
      try { localStorage.setItem(CHIME_KEY, chimeOn ? "on" : "off"); } catch (e) { /* private mode */ }
      if (chimeOn) audioContext();
      renderChime();
    });
    // Remembered "on" after a restart: the browser may still want a click before it plays.
    document.addEventListener("click", function () { if (audio && audio.state === "suspended") audio.resume(); });
  }
  renderChime();

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

  // The views, in turn: which the organiser chose and how long each stays. A change comes with
  // the round's own messages, so a running screen follows it without a reload.
  var views = { list: [body.getAttribute("data-view")], seconds: 20 }, viewSince = Date.now();
  function showView(view) {
    body.setAttribute("data-view", view);
    viewSince = Date.now();
    if (view === "web" && window.kkWeb) window.kkWeb.shown();
    if (view === "map" && window.kkMap) window.kkMap.show();
  }
  function setViews(screen) {
    if (!screen || !screen.views || !screen.views.length) return;
    views.list = screen.views; views.seconds = screen.seconds;
    body.setAttribute("data-views", views.list.join(","));
    if (views.list.indexOf(body.getAttribute("data-view")) < 0) showView(views.list[0]);
  }
  setInterval(function () {
    if (views.list.length < 2 || Date.now() - viewSince < views.seconds * 1000) return;
    var at = views.list.indexOf(body.getAttribute("data-view"));
    showView(views.list[(at + 1) % views.list.length]);
  }, 500);

  function applySnapshot(snap) {
    // A draft round's page showed nothing of it; now that it is public, load the real one.
    if (body.hasAttribute("data-closed")) { window.location.reload(); return; }
    state.round = snap.round;
    state.hidden = !!snap.hidden; state.revealAt = snap.reveal_at;
    state.top = snap.standings || []; state.teams = snap.teams || [];
    state.photos = (snap.photos || []).slice(0, MAX_PHOTOS);
    document.getElementById("round-name").textContent = snap.round.name;
    body.setAttribute("data-seq", String(snap.seq));
    setViews(snap.round.screen);
    webSeq = snap.seq;
    if (snap.web && window.kkWeb) window.kkWeb.reset(snap.web);
    renderClock(); renderBoard(); renderWall();
    if (state.hidden) document.getElementById("scored").hidden = true;
    else showScored(snap.scored);
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
  var webSeq = 0;  // the web's own chain of deltas (docs/api.md)
  var watcher = kk.watchRound(socket, { round_id: roundId }, applySnapshot);
  socket.on("web", function (m) {
    if (m.seq <= webSeq || !window.kkWeb) return;
    // It follows the messages up to its seq; a gap in either chain asks for a snapshot.
    if (m.from_seq > webSeq + 1 || m.seq !== watcher.seq) { if (!watcher.resyncing) watcher.ask(); return; }
    webSeq = m.seq;
    if (!window.kkWeb.apply(m) && !watcher.resyncing) watcher.ask();
  });
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
    setViews(m.screen);
    renderClock(); renderBoard();
  }));
  watcher.delta("standings", atSeq(function (m) {
    state.hidden = !!m.hidden;
    if (!m.hidden) { state.top = m.top || []; state.teams = m.teams || []; }
    renderBoard();
    if (m.hidden) document.getElementById("scored").hidden = true;  // no points while hidden
    else showScored(m.scored);
  }));
  watcher.delta("photo", atSeq(function (m) {
    var known = state.photos.some(function (p) { return p.id === m.id; });
    state.photos = state.photos.filter(function (p) { return p.id !== m.id; });
    if (m.on_wall) state.photos.unshift(m);
    state.photos = state.photos.slice(0, MAX_PHOTOS);
    // A new photo is shown at once (and chimes); it then takes its turn with the others.
    if (m.on_wall && !known) { current = m.id; chime(); turnEvery(); }
    renderWall();
  }));
  renderClock();
  renderWall();
})();
