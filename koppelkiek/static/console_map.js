/* The organiser's maps (Leaflet): the boundary over the tiles of KOPPELKIEK_MAP_TILES, or over
   nothing when none are set, and the story spots. Each [data-map] element becomes a map; its
   Leaflet map is then element.kkMap, for spots.js (the picker) and moderate.js (the point). */
(function () {
  "use strict";
  var BOUNDARY = { color: "#e65100", weight: 3, fillColor: "#ffd54f", fillOpacity: 0.15 };
  var SPOT = { color: "#1565c0", weight: 2, fillOpacity: 0.2 };

  function make(holder) {
    if (holder.kkMap || typeof L === "undefined") return holder.kkMap;
    holder.classList.add("map-ready");  // first, so the canvas has its size
    // zoomSnap: fit the boundary closely rather than at the next whole zoom level.
    var map = L.map(holder.querySelector(".map-canvas"), { scrollWheelZoom: false, zoomSnap: 0.25 });
    var tiles = holder.getAttribute("data-tiles");
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 19, attribution: holder.getAttribute("data-attribution") })
        .addTo(map);
    }
    var boundary = L.geoJSON(JSON.parse(holder.getAttribute("data-boundary")),
                             { style: BOUNDARY, interactive: false }).addTo(map);
    map.fitBounds(boundary.getBounds(), { padding: [12, 12] });
    JSON.parse(holder.getAttribute("data-spots") || "[]").forEach(function (spot) {
      L.circle([spot.lat, spot.lon], Object.assign({ radius: spot.radius }, SPOT))
        .bindTooltip(spot.name).addTo(map);
    });
    holder.kkMap = map;
    return map;
  }

  function init(root) {
    var found = (root || document).querySelectorAll("[data-map]");
    for (var i = 0; i < found.length; i++) make(found[i]);
  }

  window.kkMaps = { init: init, make: make };
  init(document);
})();
