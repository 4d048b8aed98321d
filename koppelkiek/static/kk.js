/* Koppelkiek's shared page code: the API call, error text, countdowns, the celebration and the
   round watcher. Each page's own script uses it as `kk`; its URLs come from the page's data-*
   attributes (built by url_for), never from here. No framework, old phones welcome. */
var kk = (function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  // A busy server answers 503 `busy` with Retry-After: wait that long (plus a random share, so
  // phones told the same moment do not all come back at once), say so, and try again.
  var MAX_TRIES = 6;
  function showBusy(on) {
    var note = document.getElementById("busy");
    if (note) note.hidden = !on;
  }
  function retryDelay(retryAfter, attempt) {
    var seconds = parseFloat(retryAfter);
    var base = isFinite(seconds) && seconds >= 0 ? seconds * 1000 : Math.min(30000, 1000 * Math.pow(2, attempt));
    return base + Math.random() * Math.max(500, base / 2);
  }
  function isBusy(status, body) {
    return status === 503 && (!body || !body.error || body.error.code === "busy");
  }
  function later(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  // A JSON call; resolves to {ok, status, body} whatever the answer, after any busy retries.
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

  // URLs with an id come from the page built for id 0 (url_for needs a value): swap the id in.
  function withId(url, id) {
    return url.replace(/\/0(?=[\/.?]|$)/, "/" + encodeURIComponent(String(id)));
  }

  // The server's refusal says what to do next, in the person's language; else the fallback.
  function errorText(res, fallback) {
    var error = res && res.body && res.body.error;
    return (error && error.message) || fallback || ("Error " + ((res && res.status) || ""));
  }
  function showError(box, res, fallback) {
    var error = res && res.body && res.body.error;
    box.textContent = errorText(res, fallback);
    box.setAttribute("data-code", (error && error.code) || "");
    box.hidden = false;
  }

  function toast(text) {
    var box = document.getElementById("toasts");
    if (!box || !text) return;
    var el = document.createElement("p");
    el.className = "toast";
    el.textContent = text;
    box.appendChild(el);
    while (box.children.length > 3) box.removeChild(box.firstChild);
    setTimeout(function () { if (el.parentNode) el.parentNode.removeChild(el); }, 8000);
  }

  // Time left until a moment, as "1:02:03" or "2:03".
  function timeLeft(iso) {
    var left = Math.max(0, Math.floor((Date.parse(iso) - Date.now()) / 1000));
    var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
    return (h ? h + ":" + (m < 10 ? "0" : "") : "") + m + ":" + (s < 10 ? "0" : "") + s;
  }
  // A deadline in words (templates/_deadline.html): "nog 12 min 31 s · tot 14:32". The page's
  // data-now corrects a phone whose clock is off; the clock time is the neighbourhood's.
  var clocks = {};
  function clockText(iso, tz) {
    try {
      var f = clocks[tz] || (clocks[tz] = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: tz }));
      return f.format(new Date(Date.parse(iso)));
    } catch (e) { return ""; }
  }
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, key) { return key in values ? values[key] : all; });
  }
  function tickDeadline(el) {
    if (el.kkSkew === undefined) el.kkSkew = (Date.parse(el.getAttribute("data-now")) || Date.now()) - Date.now();
    var iso = el.getAttribute("data-countdown");
    var left = Math.floor((Date.parse(iso) - Date.now() - el.kkSkew) / 1000);
    var words = el.querySelector("[data-left]"), clock = el.querySelector("[data-clock]");
    var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
    var parts = { h: h, m: m, s: s };
    var time = fill(el.getAttribute(h ? "data-msg-h" : m ? "data-msg-m" : "data-msg-s"), parts);
    var over = left <= 0;
    el.classList.toggle("over", over);
    if (words) words.textContent = over ? el.getAttribute("data-msg-over") : fill(el.getAttribute("data-msg-left"), { time: time });
    if (clock) {
      clock.hidden = over;
      clock.textContent = "· " + fill(el.getAttribute("data-msg-until"), { clock: clockText(iso, el.getAttribute("data-tz")) });
    }
  }
  // Any element with data-countdown="<ISO time>" counts down to it: in words when it has them,
  // else as "2:03" (the screen's clock).
  function tickCountdowns() {
    var els = document.querySelectorAll("[data-countdown]");
    for (var i = 0; i < els.length; i++) {
      if (els[i].hasAttribute("data-msg-left")) tickDeadline(els[i]);
      else els[i].textContent = timeLeft(els[i].getAttribute("data-countdown"));
    }
  }
  setInterval(tickCountdowns, 1000);
  tickCountdowns();

  // A name inside a sentence keeps its own direction (FSI … PDI), in Arabic pages too.
  function isolate(text) { return "\u2068" + text + "\u2069"; }

  // Points scored: "+12 Chiara & Marco" pops up in the banner for a few seconds.
  function celebrate(banner, scored, ms) {
    if (!banner || !scored || !scored.points || !scored.names) return;
    banner.textContent = isolate("+" + scored.points) + " " + scored.names.map(isolate).join(" & ");
    banner.hidden = false;
    banner.classList.remove("pop"); void banner.offsetWidth; banner.classList.add("pop");
    clearTimeout(banner.kkTimer);
    banner.kkTimer = setTimeout(function () { banner.hidden = true; }, ms);
  }

  function socket(options) {
    if (typeof io === "undefined") return null;
    options = options || {};
    options.transports = ["websocket", "polling"];
    return io(options);
  }

  // Watches one round: `watch` (again on every connect) is answered with a snapshot, and each
  // message after it carries the round's seq. Two kinds of message:
  // - deltas (the screen): each covers from_seq..seq with whole values, not differences. One we
  //   already have is skipped; one that does not follow on means we missed one: ask again, and
  //   until the snapshot comes use only deltas that follow on.
  // - latest values (a phone's own row, the round): an older one than we have is skipped.
  function watchRound(sock, request, onSnapshot) {
    var w = { seq: 0, resyncing: false };
    w.ask = function () {
      w.resyncing = true;
      request.since_seq = w.seq;
      sock.emit("watch", request);
    };
    sock.on("connect", w.ask);
    sock.on("snapshot", function (snap) { w.resyncing = false; w.seq = snap.seq; onSnapshot(snap); });
    w.delta = function (event, handler) {
      sock.on(event, function (m) {
        if (m.seq <= w.seq) return;
        if ((m.from_seq || m.seq) > w.seq + 1) { if (!w.resyncing) w.ask(); return; }
        w.seq = m.seq;
        handler(m);
      });
      return w;
    };
    w.latest = function (event, handler) {
      sock.on(event, function (m) { if (m.seq < w.seq) return; w.seq = m.seq; handler(m); });
      return w;
    };
    return w;
  }

  return {
    api: api, isBusy: isBusy, retryDelay: retryDelay, csrf: csrf, withId: withId,
    errorText: errorText, showError: showError, toast: toast, timeLeft: timeLeft,
    celebrate: celebrate, socket: socket, watchRound: watchRound, fill: fill, isolate: isolate
  };
})();
