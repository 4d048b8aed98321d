/* Story spots in the console: a click on the map fills in the new spot's coordinates and shows
   its circle (the map: console_map.js). The fields can still be typed. */
(function () {
  "use strict";
  var holder = document.querySelector("[data-map][data-picker]");
  var map = holder && window.kkMaps && window.kkMaps.make(holder);
  if (!map) return;
  var lat = document.getElementById("lat"), lon = document.getElementById("lon");
  var radius = document.getElementById("radius_m");
  var marker = null;

  function number(input) { return parseFloat(String(input.value).replace(",", ".")); }

  function showMarker() {
    var la = number(lat), lo = number(lon), r = number(radius);
    if (!isFinite(la) || !isFinite(lo)) {
      if (marker) { marker.remove(); marker = null; }
      holder.removeAttribute("data-picked");
      return;
    }
    var where = [la, lo], size = isFinite(r) ? r : 30;
    if (marker) marker.setLatLng(where).setRadius(size);
    else marker = L.circle(where, { radius: size, color: "#c62828", weight: 2, className: "picked" }).addTo(map);
    holder.setAttribute("data-picked", la.toFixed(6) + "," + lo.toFixed(6));
  }

  map.on("click", function (event) {
    lat.value = event.latlng.lat.toFixed(6);
    lon.value = event.latlng.lng.toFixed(6);
    showMarker();
  });
  [lat, lon, radius].forEach(function (input) { input.addEventListener("input", showMarker); });
  showMarker();
})();
