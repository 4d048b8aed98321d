/* Consent for the big screen: the question (#consent-ask, on the player page and right after a
   photo is accepted) and the checkboxes under "Your meetings". Needs kk.js. */
(function () {
  "use strict";
  var ask = document.getElementById("consent-ask");
  if (!ask) return;

  // Asks about one photo; called by the page's own script.
  kk.askConsent = function (photoId, imageUrl) {
    ask.setAttribute("data-photo-id", photoId);
    document.getElementById("consent-photo").src = imageUrl;
    ask.hidden = false;
  };
  // The same, for a photo known by its image's hash (a live notice).
  kk.askConsentForImage = function (photoId, image) {
    kk.askConsent(photoId, kk.withId(ask.getAttribute("data-image-url"), image));
  };

  function sendConsent(photoId, show) {
    var url = kk.withId(ask.getAttribute("data-consent-url"), photoId);
    return kk.api("POST", url, { show: show }).then(function (res) {
      var box = document.querySelector('[data-photo-consent="' + photoId + '"]');
      if (box && res.ok) box.checked = show;
      if (res.ok && !show) kk.toast(ask.getAttribute("data-msg-withdrawn"));
      if (!res.ok) kk.toast(kk.errorText(res));
    });
  }
  ask.addEventListener("click", function (e) {
    var choice = e.target.getAttribute && e.target.getAttribute("data-consent");
    if (!choice) return;
    sendConsent(ask.getAttribute("data-photo-id"), choice === "true").then(function () { ask.hidden = true; });
  });
  document.addEventListener("change", function (e) {
    var id = e.target.getAttribute && e.target.getAttribute("data-photo-consent");
    if (id) sendConsent(id, e.target.checked);
  });
})();
