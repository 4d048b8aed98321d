/* Consent for the big screen: one switch per photo (templates/_consent_switch.html), in the
   question card (#consent-ask) and under "Your meetings". Every switch of a photo shows the same
   of its three states: not answered, shown, not shown. Needs kk.js. */
(function () {
  "use strict";
  var ask = document.getElementById("consent-ask");
  if (!ask) return;
  var askSwitch = ask.querySelector("[data-photo-consent]");

  function showState(sw, state) {
    sw.setAttribute("data-state", state);
    sw.querySelector('[data-consent="true"]').setAttribute("aria-pressed", String(state === "shown"));
    sw.querySelector('[data-consent="false"]').setAttribute("aria-pressed", String(state === "private"));
    sw.querySelector("[data-switch-state]").textContent = ask.getAttribute("data-msg-state-" + state) || "";
  }
  function switchesOf(photoId) {
    return document.querySelectorAll('[data-photo-consent="' + photoId + '"]');
  }

  // Asks about one photo; called by the page's own script. Its switch shows what the list shows.
  kk.askConsent = function (photoId, imageUrl) {
    ask.setAttribute("data-photo-id", photoId);
    document.getElementById("consent-photo").src = imageUrl;
    var listed = document.querySelector('#my-photos [data-photo-consent="' + photoId + '"]');
    askSwitch.setAttribute("data-photo-consent", photoId);
    showState(askSwitch, listed ? listed.getAttribute("data-state") : "unset");
    ask.hidden = false;
  };
  // The same, for a photo known by its image's hash (a live notice).
  kk.askConsentForImage = function (photoId, image) {
    kk.askConsent(photoId, kk.withId(ask.getAttribute("data-image-url"), image));
  };
  // A rejected photo is no longer asked about.
  kk.dropConsent = function (photoId) {
    if (String(ask.getAttribute("data-photo-id")) === String(photoId)) ask.hidden = true;
  };

  function sendConsent(photoId, show) {
    var url = kk.withId(ask.getAttribute("data-consent-url"), photoId);
    return kk.api("POST", url, { show: show }).then(function (res) {
      if (res.ok) {
        var all = switchesOf(photoId);
        for (var i = 0; i < all.length; i++) showState(all[i], show ? "shown" : "private");
        if (!show) kk.toast(ask.getAttribute("data-msg-withdrawn"));
      } else {
        kk.toast(kk.errorText(res));
      }
      return res;
    });
  }
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-consent]");
    var sw = button && button.closest("[data-photo-consent]");
    if (!sw) return;
    var photoId = sw.getAttribute("data-photo-consent");
    sendConsent(photoId, button.getAttribute("data-consent") === "true").then(function (res) {
      // Answered, here or in the list: the question goes, once it has shown the answer.
      if (res.ok && String(ask.getAttribute("data-photo-id")) === String(photoId)) {
        setTimeout(function () { ask.hidden = true; }, 600);
      }
    });
  });
})();
