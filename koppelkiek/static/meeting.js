/* The meeting's photo: preview, then an upload with progress. Retries (a busy server, a dropped
   connection) send the same attempt with the same key, so it never counts twice.
   Needs kk.js, position.js, consent.js and the vendored browser-image-compression. */
(function () {
  "use strict";
  var form = document.getElementById("photo-form");
  if (!form) return;
  kk.watchPosition();

  // Photos go out at most 2048 px on the long side, with their EXIF (GPS, time; the pixels are
  // turned upright and Orientation set to 1). Anything that cannot be scaled goes as it is: the
  // server checks every photo and takes full-size ones too.
  var MAX_SIDE = 2048;
  function shrink(file) {
    if (typeof window.imageCompression !== "function" || file.type !== "image/jpeg") return Promise.resolve(file);
    return window.imageCompression(file, {
      maxWidthOrHeight: MAX_SIDE, preserveExif: true, useWebWorker: false, fileType: "image/jpeg",
      initialQuality: 0.85, maxSizeMB: 1, alwaysKeepResolution: true
    }).then(function (small) {
      return small && small.size && small.size < file.size ? small : file;
    }).catch(function () { return file; });
  }

  var input = document.getElementById("photo-input"), preview = document.getElementById("photo-preview");
  var sendButton = document.getElementById("photo-send"), progress = document.getElementById("photo-progress");
  var photoError = document.getElementById("photo-error"), photoDone = document.getElementById("photo-done");
  var photoStatus = document.getElementById("photo-status");
  var attemptKey = null, tries = 0, busyTries = 0, prepared = null;
  function msg(name) { return form.getAttribute("data-msg-" + name); }
  function newKey() {
    return (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2);
  }
  input.addEventListener("change", function () {
    if (!input.files || !input.files[0]) return;
    attemptKey = newKey();  // a new picture is a new attempt
    prepared = shrink(input.files[0]);  // scaled while the person looks at the preview
    preview.src = URL.createObjectURL(input.files[0]);
    preview.hidden = false; sendButton.hidden = false; photoError.hidden = true;
  });

  function accepted(photo) {
    photoDone.textContent = msg(photo.status === "accepted" ? "done" : "pending");
    photoDone.setAttribute("data-status", photo.status);
    photoDone.hidden = false; sendButton.hidden = true;
    // One photo per meeting: nothing more to choose here.
    form.querySelector('label[for="photo-input"]').hidden = true;
    input.disabled = true;
    preview.src = photo.display_url;
    if (photo.status === "accepted" && kk.askConsent) kk.askConsent(photo.id, photo.display_url);
  }

  function send() {
    if (!input.files || !input.files[0]) return;
    sendButton.disabled = true; photoError.hidden = true;
    progress.hidden = false; progress.value = 0;
    photoStatus.textContent = msg("sending"); photoStatus.hidden = false;
    var chosen = input.files[0];
    Promise.all([kk.currentPosition(3000), prepared || shrink(chosen)]).then(function (ready) {
      var pos = ready[0], photo = ready[1];
      var data = new FormData();
      data.append("photo", photo, chosen.name || "photo.jpg");
      if (pos) { data.append("lat", pos.lat); data.append("lon", pos.lon); data.append("accuracy", pos.accuracy); }
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.getAttribute("data-upload-url"));
      xhr.setRequestHeader("X-CSRFToken", kk.csrf);
      xhr.setRequestHeader("Idempotency-Key", attemptKey);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = function (e) { if (e.lengthComputable) progress.value = Math.round(100 * e.loaded / e.total); };
      xhr.onload = function () {
        var body = {};
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = {}; }
        if (kk.isBusy(xhr.status, body) && busyTries < 8) {
          // Busy: the same attempt again by itself, after the wait the server asked for.
          busyTries += 1;
          var busy = document.getElementById("busy");
          photoStatus.textContent = (busy && busy.textContent) || msg("sending");
          setTimeout(send, kk.retryDelay(xhr.getResponseHeader("Retry-After"), busyTries - 1));
          return;
        }
        busyTries = 0;
        sendButton.disabled = false; photoStatus.hidden = true; progress.hidden = true;
        if (xhr.status === 201) accepted(body.photo);
        else kk.showError(photoError, { status: xhr.status, body: body });
      };
      xhr.onerror = function () {
        // A bad connection: try again quietly with the same key, then let the person decide.
        tries += 1;
        if (tries < 3) { setTimeout(send, 1500 * tries); return; }
        tries = 0; sendButton.disabled = false; progress.hidden = true; photoStatus.hidden = true;
        kk.showError(photoError, { body: { error: { code: "offline", message: msg("offline") } } });
      };
      xhr.send(data);
    });
  }
  form.addEventListener("submit", function (e) { e.preventDefault(); send(); });
})();
