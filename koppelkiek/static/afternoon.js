// "My afternoon": the download link always works; where the phone can share files (Web Share
// API level 2), a Share button sends the same PNG card to a chat app.
(function () {
  "use strict";
  var button = document.getElementById("card-share");
  if (!button || !navigator.share || !navigator.canShare || !window.fetch || !window.File) {
    return;
  }
  var probe = new File([""], "card.png", { type: "image/png" });
  if (!navigator.canShare({ files: [probe] })) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    fetch(button.getAttribute("data-card-url"), { credentials: "same-origin" })
      .then(function (res) {
        if (!res.ok) { throw new Error("card " + res.status); }
        return res.blob();
      })
      .then(function (blob) {
        var file = new File([blob], "koppelkiek-afternoon.png", { type: "image/png" });
        return navigator.share({ files: [file], title: button.getAttribute("data-title") });
      })
      .catch(function () { /* cancelled, or no sharing: the download link is still there */ })
      .then(function () { button.disabled = false; });
  });
})();
