/* Story spots in the console: a click on the outline fills in the new spot's coordinates. */
(function () {
  "use strict";
  var map = document.getElementById("spot-map");
  if (!map) return;
  var minx = parseFloat(map.getAttribute("data-minx"));
  var maxy = parseFloat(map.getAttribute("data-maxy"));
  var kx = parseFloat(map.getAttribute("data-kx"));
  var scale = parseFloat(map.getAttribute("data-scale"));
  var mPerDeg = parseFloat(map.getAttribute("data-m-per-deg")) || 111320;
  var lat = document.getElementById("lat"), lon = document.getElementById("lon");
  var radius = document.getElementById("radius_m");
  var marker = document.getElementById("spot-marker");

  function number(input) { return parseFloat(String(input.value).replace(",", ".")); }

  // The same projection as game.neighbourhoods.outline_svg, the other way round.
  function showMarker() {
    var la = number(lat), lo = number(lon), r = number(radius);
    if (!isFinite(la) || !isFinite(lo)) { marker.setAttribute("visibility", "hidden"); return; }
    marker.setAttribute("cx", String((lo - minx) * kx * scale));
    marker.setAttribute("cy", String((maxy - la) * scale));
    marker.setAttribute("r", String(Math.max((isFinite(r) ? r : 30) / mPerDeg * scale, 1.5)));
    marker.setAttribute("visibility", "visible");
  }

  map.addEventListener("click", function (event) {
    var matrix = map.getScreenCTM();
    if (!matrix) return;
    var pt = map.createSVGPoint();
    pt.x = event.clientX; pt.y = event.clientY;
    var p = pt.matrixTransform(matrix.inverse());
    lon.value = (minx + p.x / (kx * scale)).toFixed(6);
    lat.value = (maxy - p.y / scale).toFixed(6);
    showMarker();
  });
  [lat, lon, radius].forEach(function (input) { input.addEventListener("input", showMarker); });
  showMarker();
})();
