/* The player page sends the photos still waiting in the phone's queue (photo_queue.js), so a
   photo sent without signal goes out when the connection returns even after the person left
   its meeting page. The live notices then tell the outcome; a refusal is shown as a toast.
   Needs kk.js, photo_queue.js and the vendored idb-keyval. */
(function () {
  "use strict";
  var note = document.getElementById("waiting-photos");
  if (!note || !window.photoQueue) return;
  var open = 0;
  function show() { note.hidden = open === 0; }
  photoQueue.waiting().then(function (entries) {
    entries.forEach(function (entry) {
      open += 1; show();
      photoQueue.deliver(entry, { state: function () {}, progress: function () {} }).then(function (res) {
        open -= 1; show();
        var ok = res.status === 201 || res.status === 200;
        kk.toast(ok ? note.getAttribute("data-msg-sent") : kk.errorText(res));
      });
    });
  });
})();
