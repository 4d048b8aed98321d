/* "Tell a story about a place": the place from the phone's position or a tap on the map of the
   neighbourhood (Leaflet; the outline alone: phones load no tiles), an optional
   photo, and the answer from the organiser live (the private `notice`). Needs kk.js and
   position.js. */
(function () {
  "use strict";
  var box = document.getElementById("propose");
  var form = document.getElementById("propose-form");
  if (!box || !form) return;
  var lat = document.getElementById("proposal-lat"), lon = document.getElementById("proposal-lon");
  var chosen = document.getElementById("place-chosen");
  var error = document.getElementById("propose-error");
  var holder = document.querySelector("[data-testid=place-map]");
  var map = null, marker = null;
  function msg(name) { return box.getAttribute("data-msg-" + name) || ""; }

  function choose(la, lo) {
    lat.value = la.toFixed(6);
    lon.value = lo.toFixed(6);
    chosen.textContent = msg("place");
    chosen.hidden = false;
    holder.setAttribute("data-picked", lat.value + "," + lon.value);
    if (!map) return;
    if (marker) marker.setLatLng([la, lo]);
    else marker = L.circleMarker([la, lo], { radius: 10, color: "#c62828", weight: 3, className: "picked" }).addTo(map);
  }

  if (typeof L !== "undefined") {
    holder.classList.add("map-ready");
    // The outline alone, no tiles: a phone never asks another site for anything.
    map = L.map(holder.querySelector(".map-canvas"), { scrollWheelZoom: false, zoomSnap: 0.25, attributionControl: false });
    var outline = L.geoJSON(JSON.parse(holder.getAttribute("data-boundary")), {
      style: { color: "#e65100", weight: 3, fillColor: "#ffd54f", fillOpacity: 0.15 }, interactive: false
    }).addTo(map);
    map.fitBounds(outline.getBounds(), { padding: [8, 8] });
    map.on("click", function (e) { choose(e.latlng.lat, e.latlng.lng); });
  }

  document.getElementById("use-position").addEventListener("click", function () {
    kk.currentPosition(15000).then(function (pos) {
      if (!pos) { error.textContent = msg("no-position"); error.hidden = false; return; }
      error.hidden = true;
      choose(pos.lat, pos.lon);
      if (map) map.setView([pos.lat, pos.lon], Math.max(map.getZoom(), 17));
    });
  });

  function send() {
    var photo = document.getElementById("proposal-photo").files[0];
    var fields = {
      name: form.elements.name.value, story: form.elements.story.value,
      lat: parseFloat(lat.value), lon: parseFloat(lon.value),
      wants_named: document.getElementById("proposal-named").checked
    };
    if (!photo) return kk.api("POST", box.getAttribute("data-url"), fields);
    var data = new FormData();
    Object.keys(fields).forEach(function (key) { data.append(key, String(fields[key])); });
    data.append("photo", photo);
    return fetch(box.getAttribute("data-url"), {
      method: "POST", credentials: "same-origin", body: data,
      headers: { "X-CSRFToken": kk.csrf, "Accept": "application/json" }
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        return { ok: r.ok, status: r.status, body: body };
      });
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    error.hidden = true;
    if (!lat.value || !lon.value) { error.textContent = msg("no-place"); error.hidden = false; return; }
    var button = document.getElementById("propose-send");
    button.disabled = true;
    send().then(function (res) {
      button.disabled = false;
      if (!res.ok) { kk.showError(error, res); return; }
      form.reset();
      lat.value = lon.value = "";
      chosen.hidden = true;
      if (marker) { marker.remove(); marker = null; }
      var done = document.getElementById("propose-done");
      done.textContent = msg("sent");
      done.hidden = false;
      refreshList();
    }, function () {
      button.disabled = false;
      error.textContent = msg("failed");
      error.hidden = false;
    });
  });

  // The list of my stories, as the server says now (each in this phone's language).
  function refreshList() {
    return kk.api("GET", box.getAttribute("data-mine-url")).then(function (res) {
      if (!res.ok) return;
      var list = document.querySelector("#my-proposals ul");
      var fresh = document.createDocumentFragment();
      res.body.proposals.forEach(function (p) {
        var li = document.createElement("li");
        li.setAttribute("data-proposal-id", String(p.id));
        li.setAttribute("data-status", p.status);
        var name = document.createElement("strong");
        name.textContent = p.name;
        var status = document.createElement("span");
        status.setAttribute("data-status-text", "");
        status.textContent = p.status_text;
        li.append(name, " · ", status);
        if (p.reason_text) {
          var reason = document.createElement("span");
          reason.className = "small";
          reason.textContent = " · " + p.reason_text;
          li.appendChild(reason);
        }
        fresh.appendChild(li);
      });
      if (res.body.proposals.length) list.replaceChildren(fresh);
    });
  }

  var socket = kk.socket();
  if (socket) {
    socket.on("notice", function (n) {
      if (n.kind !== "proposal") return;
      var text = msg(n.status === "approved" ? "approved" : "rejected");
      kk.toast(text.replace("__NAME__", kk.isolate(n.name || "")));
      refreshList();
    });
  }
})();
