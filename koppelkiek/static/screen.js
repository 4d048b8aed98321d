/* The community-centre screen: watches one round, resyncs by itself, never needs a reload. */
(function () {
  "use strict";
  var body = document.getElementById("screen");
  var roundId = parseInt(body.getAttribute("data-round-id"), 10);
  var state = { seq: 0, round: { state: body.getAttribute("data-state"),
    starts_at: body.getAttribute("data-starts-at"), ends_at: body.getAttribute("data-ends-at") } };
  var MAX_ROWS = 10, MAX_PHOTOS = 12;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function renderList(id, rows, label) {
    var list = document.getElementById(id);
    // Replace, never append: the DOM stays the same size for hours.
    var fresh = document.createDocumentFragment();
    rows.slice(0, MAX_ROWS).forEach(function (r, i) {
      var li = el("li");
      li.appendChild(el("span", "rank", String(r.rank || i + 1)));
      li.appendChild(el("span", "name", label(r)));
      li.appendChild(el("span", "points", String(r.points)));
      fresh.appendChild(li);
    });
    list.replaceChildren(fresh);
  }

  function renderClock() {
    var r = state.round, now = Date.now(), label = "", target = null;
    if (r.state === "live" && Date.parse(r.starts_at) > now) { label = body.getAttribute("data-msg-before"); target = r.starts_at; }
    else if (r.state === "live") { label = body.getAttribute("data-msg-live"); target = r.ends_at; }
    else if (r.state === "paused") { label = body.getAttribute("data-msg-paused"); }
    else if (r.state === "ended") { label = body.getAttribute("data-msg-ended"); }
    else { label = body.getAttribute("data-msg-draft"); target = r.starts_at; }
    document.getElementById("clock-label").textContent = label;
    var text = "";
    if (target) {
      var left = Math.max(0, Math.floor((Date.parse(target) - now) / 1000));
      var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
      text = (h ? h + ":" + (m < 10 ? "0" : "") : "") + m + ":" + (s < 10 ? "0" : "") + s;
    }
    document.getElementById("clock").textContent = text;
    body.setAttribute("data-state", r.state);
  }
  setInterval(renderClock, 1000);

  function applySnapshot(snap) {
    state.seq = snap.seq;
    state.round = snap.round;
    document.getElementById("round-name").textContent = snap.round.name;
    renderList("standings", snap.standings || [], function (r) { return r.display_name; });
    renderList("teams", snap.teams || [], function (r) { return r.team; });
    var wall = document.getElementById("wall");
    wall.replaceChildren();
    (snap.photos || []).slice(0, MAX_PHOTOS).forEach(function (p) {
      var img = el("img"); img.src = p.display_url; img.alt = ""; wall.appendChild(img);
    });
    body.setAttribute("data-seq", String(state.seq));
    renderClock();
  }

  var socket = io({ transports: ["websocket", "polling"], reconnectionDelayMax: 5000 });
  function watch() { socket.emit("watch", { round_id: roundId, since_seq: state.seq }); }
  socket.on("connect", function () {
    document.getElementById("reconnecting").hidden = true;
    body.classList.remove("offline");
    watch();
  });
  socket.on("disconnect", function () {
    document.getElementById("reconnecting").hidden = false;
    body.classList.add("offline");
  });
  socket.on("snapshot", applySnapshot);
  // A delta that does not follow on from what we have means we missed one: ask again.
  function delta(handler) {
    return function (msg) {
      if (msg.seq !== state.seq + 1) { watch(); return; }
      state.seq = msg.seq;
      body.setAttribute("data-seq", String(state.seq));
      handler(msg);
    };
  }
  socket.on("round", delta(function (msg) {
    state.round.state = msg.state; state.round.ends_at = msg.ends_at; state.round.starts_at = msg.starts_at;
    renderClock();
  }));
  renderClock();
})();
