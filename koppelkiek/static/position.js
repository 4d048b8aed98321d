/* Where the phone is, for claims and photos: the last known position, refreshed in the
   background when the person allows it. Needs kk.js. */
(function () {
  "use strict";
  var position = null;

  function remember(p) {
    position = { lat: p.coords.latitude, lon: p.coords.longitude, accuracy: p.coords.accuracy };
  }
  // Location refused (or a claim said position_required): say why it matters and how to allow it.
  function explainLocation(err) {
    var help = document.getElementById("location-help");
    if (help && (!err || err.code === 1)) help.hidden = false;
  }
  function watchPosition() {
    if (!navigator.geolocation) return;
    navigator.geolocation.watchPosition(function (p) {
      remember(p);
      var hint = document.getElementById("geo-hint");
      if (hint) hint.hidden = true;
    }, explainLocation, { enableHighAccuracy: true, maximumAge: 30000, timeout: 20000 });
  }
  // The position, waiting at most waitMs for a first one; null when there is none.
  function currentPosition(waitMs) {
    return new Promise(function (resolve) {
      if (position || !navigator.geolocation) return resolve(position);
      var done = false;
      setTimeout(function () { if (!done) { done = true; resolve(position); } }, waitMs);
      navigator.geolocation.getCurrentPosition(function (p) {
        remember(p);
        if (!done) { done = true; resolve(position); }
      }, function (e) { explainLocation(e); if (!done) { done = true; resolve(null); } },
      { enableHighAccuracy: true, maximumAge: 30000, timeout: waitMs });
    });
  }
  function withPosition(data, pos) {
    if (pos) { data.lat = pos.lat; data.lon = pos.lon; data.accuracy = pos.accuracy; }
    return data;
  }

  kk.explainLocation = explainLocation;
  kk.watchPosition = watchPosition;
  kk.currentPosition = currentPosition;
  kk.withPosition = withPosition;
})();
