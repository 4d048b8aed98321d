/* Claiming a neighbour's code: by itself when opened from a QR code (#claim), or typed or
   scanned in the page (#type-code). Needs kk.js and position.js. */
(function () {
  "use strict";
  var page = document.getElementById("claim") || document.getElementById("type-code");
  if (!page) return;

  function showClaim(res) {
    var err = document.getElementById("claim-error"), met = document.getElementById("claim-met");
    if (res.ok) {
      var m = res.body.meeting;
      var minutes = Math.max(1, Math.round((Date.parse(m.photo_due_by) - Date.now()) / 60000));
      met.textContent = page.getAttribute("data-msg-met")
        .replace("__NAME__", kk.isolate(m.partner.display_name)).replace("__MIN__", String(minutes));
      met.hidden = false;
      err.hidden = true;
      document.getElementById("claim-done").hidden = false;
      document.getElementById("to-photo").href = kk.withId(page.getAttribute("data-meeting-url"), m.id);
    } else {
      kk.showError(err, res);
      if (err.getAttribute("data-code") === "position_required") kk.explainLocation();
    }
    var status = document.getElementById("claim-status");
    if (status) status.hidden = true;
    var heading = document.getElementById("claim-heading");
    if (heading) heading.textContent = heading.getAttribute(res.ok ? "data-done" : "data-failed");
  }

  function claimCode(code) {
    kk.currentPosition(3000).then(function (pos) {
      return kk.api("POST", page.getAttribute("data-claim-url"), kk.withPosition({ code: code }, pos));
    }).then(showClaim);
  }

  // Opened from a QR code: claim by itself.
  if (page.id === "claim") { claimCode(page.getAttribute("data-code")); return; }

  // Typed code, with an in-page scanner where the browser has one.
  kk.watchPosition();
  page.addEventListener("submit", function (e) {
    e.preventDefault();
    claimCode(page.elements.code.value);
  });
  if (!("BarcodeDetector" in window && navigator.mediaDevices)) return;
  var scanButton = document.getElementById("scan-camera");
  scanButton.hidden = false;
  scanButton.addEventListener("click", function () {
    var video = document.getElementById("scanner");
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    // A code's QR holds the page that claims it: its address up to the code, as built for "0".
    var scanned = page.getAttribute("data-scanned-url").replace(/0$/, "");
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream; video.hidden = false; video.play();
      var look = function () {
        detector.detect(video).then(function (codes) {
          var hit = codes.map(function (c) { return c.rawValue; }).filter(function (v) {
            return v.indexOf(scanned) >= 0 && /^[A-Z0-9]+$/i.test(v.split(scanned).pop());
          })[0];
          if (hit) {
            stream.getTracks().forEach(function (t) { t.stop(); });
            video.hidden = true;
            claimCode(hit.split(scanned).pop());
          } else { setTimeout(look, 300); }
        }).catch(function () { setTimeout(look, 500); });
      };
      look();
    }).catch(function () { scanButton.hidden = true; });
  });
})();
