/* The phone's photo queue: a photo waits in IndexedDB (through idb-keyval) until the server has
   answered it for good, so a dropped connection, a busy server or a reload loses nothing.
   An entry is {key, meetingId, url, blob, name, lat, lon, accuracy}: the key is the upload's
   Idempotency-Key, sent with every try, so a photo the server already took is answered with
   that photo again and never counts twice. Needs kk.js and the vendored idb-keyval. */
var photoQueue = (function () {
  "use strict";
  // Without IndexedDB (some private modes) the queue still retries, but only while the page lives.
  var memory = {};
  var store = null;
  try { store = window.idbKeyval && window.indexedDB ? idbKeyval.createStore("koppelkiek", "photos") : null; } catch (e) { store = null; }
  function kept(promise, fallback) { return promise.catch(function () { store = null; return fallback(); }); }

  function save(entry) {
    memory[entry.key] = entry;
    return store ? kept(idbKeyval.set(entry.key, entry, store), function () {}) : Promise.resolve();
  }
  function drop(key) {
    delete memory[key];
    return store ? kept(idbKeyval.del(key, store), function () {}) : Promise.resolve();
  }
  function all() {
    var fromMemory = function () { return Object.keys(memory).map(function (k) { return memory[k]; }); };
    return store ? kept(idbKeyval.values(store), fromMemory) : Promise.resolve(fromMemory());
  }
  // The waiting photo of one meeting, if any (the newest, should there be two).
  function forMeeting(meetingId) {
    return all().then(function (entries) {
      var mine = entries.filter(function (e) { return String(e.meetingId) === String(meetingId); });
      mine.sort(function (a, b) { return (a.savedAt || 0) - (b.savedAt || 0); });
      return mine.length ? mine[mine.length - 1] : null;
    });
  }

  // One try: resolves {status, body, retryAfter}; status 0 when no answer came at all.
  var TIMEOUT_MS = 120000;
  function sendOnce(entry, onProgress) {
    return new Promise(function (resolve) {
      var data = new FormData();
      data.append("photo", entry.blob, entry.name || "photo.jpg");
      if (entry.lat != null) { data.append("lat", entry.lat); data.append("lon", entry.lon); data.append("accuracy", entry.accuracy); }
      var xhr = new XMLHttpRequest();
      xhr.open("POST", entry.url);
      xhr.timeout = TIMEOUT_MS;
      xhr.setRequestHeader("X-CSRFToken", kk.csrf);
      xhr.setRequestHeader("Idempotency-Key", entry.key);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = function (e) { if (e.lengthComputable) onProgress(Math.round(100 * e.loaded / e.total)); };
      xhr.onload = function () {
        var body = {};
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = {}; }
        resolve({ status: xhr.status, body: body, retryAfter: xhr.getResponseHeader("Retry-After") });
      };
      xhr.onerror = xhr.ontimeout = xhr.onabort = function () { resolve({ status: 0, body: {}, retryAfter: null }); };
      xhr.send(data);
    });
  }

  // Worth another try: no answer, a busy or broken server, or "not yet" (429 with Retry-After:
  // too many photos in a minute, or the previous cut-off try still holds the upload slot).
  function passing(res) {
    return res.status === 0 || res.status === 408 || res.status >= 500 || (res.status === 429 && res.retryAfter != null);
  }

  // Sends until the server answers for good: 201, or a refusal with its code. On the way it
  // tells `hooks.state` "waiting" (no connection), "sending" or "busy", and `hooks.progress` the
  // percentage. Resolves {status, body}; the entry has then left the queue.
  function deliver(entry, hooks) {
    return new Promise(function (resolve) {
      var tries = 0, timer = null, sending = false;
      function go() {
        clearTimeout(timer);
        if (sending) return;
        if (navigator.onLine === false) {  // the online event wakes us; the timer, should it not
          hooks.state("waiting");
          timer = setTimeout(go, kk.retryDelay(null, Math.min(tries++, 4)));
          return;
        }
        sending = true;
        hooks.state("sending"); hooks.progress(0);
        sendOnce(entry, hooks.progress).then(function (res) {
          sending = false;
          if (passing(res)) {
            hooks.state(kk.isBusy(res.status, res.body) || res.status === 429 ? "busy" : "waiting");
            timer = setTimeout(go, kk.retryDelay(res.retryAfter, Math.min(tries++, 5)));
            return;
          }
          window.removeEventListener("online", wake);
          drop(entry.key).then(function () { resolve(res); });
        });
      }
      function wake() { tries = 0; go(); }
      window.addEventListener("online", wake);
      go();
    });
  }

  return { save: save, drop: drop, forMeeting: forMeeting, waiting: all, deliver: deliver };
})();
