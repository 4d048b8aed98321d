/* Story spots on the phone: with location allowed, each spot shows how far away it is. */
(function () {
  "use strict";
  var box = document.getElementById("story-spots");
  if (!box || !navigator.geolocation || !window.fetch) return;
  var list = box.querySelector("ul");
  var url = box.getAttribute("data-url");
  var last = null, lastAt = 0, busy = false;

  function msg(name) { return box.getAttribute("data-msg-" + name) || ""; }
  function distanceText(spot) {
    if (spot.inside) return msg("here");
    if (spot.distance_m >= 1000) {
      return msg("km").replace("__KM__", (spot.distance_m / 1000).toFixed(1));
    }
    return msg("metres").replace("__M__", String(spot.distance_m));
  }

  function show(spots) {
    var hint = box.querySelector("[data-spots-hint]");
    if (hint) hint.hidden = true;
    spots.forEach(function (spot) {
      var li = list.querySelector('[data-spot-id="' + spot.id + '"]');
      if (!li) return;
      var d = li.querySelector("[data-spot-distance]");
      d.textContent = distanceText(spot);
      li.classList.toggle("spot-here", !!spot.inside);
      list.appendChild(li);  // the answer comes nearest first
    });
  }

  function ask(lat, lon) {
    if (busy) return;
    busy = true;
    fetch(url + "?lat=" + encodeURIComponent(lat) + "&lon=" + encodeURIComponent(lon),
      { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) { if (body && body.spots) show(body.spots); })
      .catch(function () {})
      .then(function () { busy = false; });
  }

  // At most twice a minute, or sooner after walking some 20 m.
  navigator.geolocation.watchPosition(function (p) {
    var lat = p.coords.latitude, lon = p.coords.longitude, now = Date.now();
    var moved = !last || Math.abs(lat - last.lat) * 111320 > 20 ||
      Math.abs(lon - last.lon) * 111320 * Math.cos(lat * Math.PI / 180) > 20;
    if (!moved && now - lastAt < 30000) return;
    last = { lat: lat, lon: lon }; lastAt = now;
    ask(lat, lon);
  }, function () {}, { enableHighAccuracy: true, maximumAge: 30000, timeout: 20000 });
})();
