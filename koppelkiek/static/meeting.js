/* The meeting's photo: preview, then an upload with progress through the phone's photo queue
   (photo_queue.js): retries (a busy server, a dropped connection, a reload) send the same attempt
   with the same key, so it never counts twice.
   Needs kk.js, position.js, consent.js, photo_queue.js and the vendored browser-image-compression. */
(function () {
  "use strict";
  var form = document.getElementById("photo-form");
  if (!form) {
    // The server has this meeting's photo, or the meeting closed: nothing of it waits any more.
    var meeting = document.getElementById("meeting");
    if (meeting && window.photoQueue) {
      photoQueue.forMeeting(meeting.getAttribute("data-meeting-id")).then(function (e) { if (e) photoQueue.drop(e.key); });
    }
    return;
  }
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
  var meetingId = form.getAttribute("data-meeting-id");
  var attemptKey = null, prepared = null, waiting = null;  // waiting: the queued entry shown here
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

  // What the queue is doing, in words and in the progress bar; data-queue is for tests.
  var percent = 0;
  function showState(state) {
    form.setAttribute("data-queue", state);
    var busy = document.getElementById("busy");
    var text = state === "waiting" ? msg("waiting") : state === "busy" ? ((busy && busy.textContent) || msg("sending")) : msg("sending");
    photoStatus.textContent = state === "sending" ? text + " " + percent + "%" : text;
    photoStatus.hidden = false;
    progress.hidden = state !== "sending";
  }
  function showProgress(value) {
    percent = value; progress.value = value;
    if (form.getAttribute("data-queue") === "sending") photoStatus.textContent = msg("sending") + " " + value + "%";
  }

  // The photo goes into the queue first, then out: a cut connection or a reload keeps it.
  var chooser = form.querySelector('label[for="photo-input"]');
  function deliver(entry) {
    // While a photo waits, it is the meeting's photo: no other to choose or send meanwhile.
    waiting = entry;
    chooser.hidden = true; sendButton.hidden = true; photoError.hidden = true;
    return photoQueue.save(entry).then(function () {
      return photoQueue.deliver(entry, { state: showState, progress: showProgress });
    }).then(function (res) {
      form.removeAttribute("data-queue");
      waiting = null;
      sendButton.disabled = false; photoStatus.hidden = true; progress.hidden = true;
      if (res.status === 201 || res.status === 200) { accepted(res.body.photo); return; }
      chooser.hidden = false;  // a refused photo: send it again (say, with location on) or another
      sendButton.hidden = !(input.files && input.files[0]);
      kk.showError(photoError, { status: res.status, body: res.body });
    });
  }

  function send() {
    if (!input.files || !input.files[0]) return;
    var chosen = input.files[0];
    sendButton.disabled = true; photoError.hidden = true;
    percent = 0; showState("sending");
    Promise.all([kk.currentPosition(3000), prepared || shrink(chosen)]).then(function (ready) {
      var pos = ready[0];
      deliver({
        key: attemptKey, meetingId: meetingId, url: form.getAttribute("data-upload-url"),
        blob: ready[1], name: chosen.name || "photo.jpg", savedAt: Date.now(),
        lat: pos ? pos.lat : null, lon: pos ? pos.lon : null, accuracy: pos ? pos.accuracy : null
      });
    });
  }
  form.addEventListener("submit", function (e) { e.preventDefault(); if (!waiting) send(); });

  // A photo from before a reload (or a closed tab) that has not been answered yet: show it and
  // carry on sending it, with its own key.
  photoQueue.forMeeting(meetingId).then(function (entry) {
    if (!entry || waiting) return;
    attemptKey = entry.key;
    preview.src = URL.createObjectURL(entry.blob);
    preview.hidden = false;
    deliver(entry);
  });
})();
