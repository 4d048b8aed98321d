/* The big screen's web of meetings and its map of story spots (views screen.js shows in turn).
 * kkWeb.reset(web) takes a snapshot's web, kkWeb.apply(delta) a `web` delta and answers whether
 * the screen now holds as many nodes and links as the server says (else screen.js resyncs).
 * The graph is laid out by d3-force (vendor/d3-force.js, global d3) and drawn here in SVG:
 * new neighbours start beside someone they met, so the web grows without jumping. */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var body = document.getElementById("screen");
  var svg = document.getElementById("web");
  if (!svg) return;
  // Colours that read on the dark screen; streets take them in alphabetical order.
  var PALETTE = ["#ffd54f", "#4fc3f7", "#f06292", "#81c784", "#ba68c8", "#ff8a65", "#4db6ac",
    "#e57373", "#aed581", "#90a4ae"];
  var NO_STREET = "#eceff1", MAX_LEGEND = 8;
  // Names that fit without covering each other, newest first, and never more than this many:
  // a big web cannot show every pair's names at once.
  var MAX_NAMES = 40;
  var nodes = new Map(), links = new Map();  // player id -> node; "a-b" -> link
  var streets = [];
  var layers = {}, sim = null;

  function msg(name) { return body.getAttribute("data-msg-" + name) || ""; }
  function make(tag, attrs, parent) {
    var e = document.createElementNS(NS, tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(e);
    return e;
  }
  ["links", "nodes", "names"].forEach(function (name) { layers[name] = make("g", { "class": "web-" + name }, svg); });
  function shown() { return body.getAttribute("data-view") === "web"; }
  function size() {
    var r = svg.getBoundingClientRect();
    return { w: r.width || 800, h: r.height || 600 };
  }
  function radius() { return Math.max(4, Math.min(14, 160 / Math.sqrt(nodes.size + 1))); }
  function colour(team) {
    if (!team) return NO_STREET;
    return PALETTE[streets.indexOf(team) % PALETTE.length];
  }

  function putNode(n) {
    var node = nodes.get(n.id);
    if (!node) {
      var s = size();
      node = { id: n.id, x: s.w / 2 + (Math.random() - 0.5) * s.w * 0.3,
        y: s.h / 2 + (Math.random() - 0.5) * s.h * 0.3 };
      node.el = make("circle", { "data-player": String(n.id) }, layers.nodes);
      nodes.set(n.id, node);
    }
    node.team = n.team;
  }
  function dropNode(id) {
    var node = nodes.get(id);
    if (node) { node.el.remove(); nodes.delete(id); }
  }
  function key(a, b) { return a + "-" + b; }
  function putLink(l) {
    var k = key(l.a, l.b), link = links.get(k);
    if (!link) {
      link = { key: k, source: l.a, target: l.b };
      link.el = make("line", { "data-link": k }, layers.links);
      links.set(k, link);
      // A newcomer starts beside the neighbour they met, not somewhere across the screen.
      var a = nodes.get(l.a), b = nodes.get(l.b);
      if (a && b && b.vx === undefined) { b.x = a.x + 8; b.y = a.y + 8; }
      else if (a && b && a.vx === undefined) { a.x = b.x + 8; a.y = b.y + 8; }
    }
    link.meetings = l.meetings;
    link.names = l.names;
    if (l.names && !link.label) {
      link.label = make("text", { "class": "web-name", "data-link": k }, layers.names);
    }
    if (link.label) {
      if (l.names) link.label.textContent = l.names.join(" & ");
      else { link.label.remove(); link.label = null; }
    }
    link.el.classList.toggle("named", !!l.names);
  }
  function dropLink(k) {
    var link = links.get(k);
    if (!link) return;
    link.el.remove();
    if (link.label) link.label.remove();
    links.delete(k);
  }

  function figures(f) {
    document.getElementById("fig-neighbours").textContent = String(f.neighbours);
    document.getElementById("fig-meetings").textContent = String(f.meetings);
    document.getElementById("fig-across").textContent =
      f.across_streets === null ? "–" : Math.round(f.across_streets * 100) + "%";
    document.getElementById("fig-chain").textContent = String(f.longest_chain);
  }
  function legend() {
    var seen = {}, none = false;
    nodes.forEach(function (n) { if (n.team) seen[n.team] = true; else none = true; });
    streets = Object.keys(seen).sort();
    var list = document.getElementById("web-legend"), fresh = document.createDocumentFragment();
    streets.slice(0, MAX_LEGEND).forEach(function (team) {
      var li = document.createElement("li");
      var dot = document.createElement("span"); dot.className = "swatch"; dot.style.background = colour(team);
      li.appendChild(dot); li.appendChild(document.createTextNode(team));
      fresh.appendChild(li);
    });
    if (streets.length > MAX_LEGEND) {
      var more = document.createElement("li"); more.textContent = "+" + (streets.length - MAX_LEGEND);
      fresh.appendChild(more);
    }
    if (none) {
      var li = document.createElement("li");
      var dot = document.createElement("span"); dot.className = "swatch"; dot.style.background = NO_STREET;
      li.appendChild(dot); li.appendChild(document.createTextNode(msg("no-street")));
      fresh.appendChild(li);
    }
    list.replaceChildren(fresh);
  }

  function draw() {
    if (!shown()) return;  // laid out all the same; drawn when it is on the screen
    var s = size(), r = radius();
    nodes.forEach(function (n) {
      n.x = Math.max(r, Math.min(s.w - r, n.x)); n.y = Math.max(r, Math.min(s.h - r, n.y));
      n.el.setAttribute("cx", n.x.toFixed(1)); n.el.setAttribute("cy", n.y.toFixed(1));
      n.el.setAttribute("r", r.toFixed(1));
    });
    links.forEach(function (l) {
      var a = l.source, b = l.target;
      if (typeof a !== "object" || typeof b !== "object") return;
      l.el.setAttribute("x1", a.x.toFixed(1)); l.el.setAttribute("y1", a.y.toFixed(1));
      l.el.setAttribute("x2", b.x.toFixed(1)); l.el.setAttribute("y2", b.y.toFixed(1));
      if (l.label) {
        l.label.setAttribute("x", ((a.x + b.x) / 2).toFixed(1));
        l.label.setAttribute("y", ((a.y + b.y) / 2).toFixed(1));
      }
    });
    placeNames();
  }
  function placeNames() {
    var placed = [], named = Array.from(links.values()).filter(function (l) { return l.label; }).reverse();
    named.forEach(function (l, i) {
      var box = i < MAX_NAMES ? l.label.getBoundingClientRect() : null;
      var free = box && box.width > 0 && placed.every(function (p) {
        return box.right + 4 < p.left || p.right + 4 < box.left || box.bottom + 2 < p.top || p.bottom + 2 < box.top;
      });
      if (free) placed.push(box);
      l.label.setAttribute("visibility", free ? "visible" : "hidden");
    });
  }

  // After any change: colours, legend, and the layout warmed up again (gently for a delta).
  function settle(heat) {
    legend();
    nodes.forEach(function (n) { n.el.setAttribute("fill", colour(n.team)); });
    var s = size(), all = Array.from(nodes.values());
    var wired = Array.from(links.values()).filter(function (l) {
      var a = typeof l.source === "object" ? l.source.id : l.source;
      var b = typeof l.target === "object" ? l.target.id : l.target;
      return nodes.has(a) && nodes.has(b);
    });
    if (typeof d3 === "undefined") { draw(); return; }
    if (!sim) {
      sim = d3.forceSimulation().alphaDecay(0.03).on("tick", draw);
    }
    // Room for names while the web is small; close together once it is large.
    var reach = Math.max(30, Math.min(170, Math.sqrt(s.w * s.h / (all.length + 1)) * 0.5));
    sim.nodes(all)
      .force("link", d3.forceLink(wired).id(function (d) { return d.id; }).distance(reach))
      .force("charge", d3.forceManyBody().strength(-Math.min(600, reach * 4))
        .distanceMax(Math.max(s.w, s.h) / 2))
      .force("x", d3.forceX(s.w / 2).strength(0.03))
      .force("y", d3.forceY(s.h / 2).strength(0.05))
      .alpha(Math.max(sim.alpha(), heat)).restart();
    body.setAttribute("data-web-nodes", String(nodes.size));
    body.setAttribute("data-web-links", String(links.size));
    draw();
  }

  function reset(web) {
    Array.from(links.keys()).forEach(dropLink);
    Array.from(nodes.keys()).forEach(function (id) { if (!web.nodes.some(function (n) { return n.id === id; })) dropNode(id); });
    web.nodes.forEach(putNode);
    web.links.forEach(putLink);
    figures(web.figures);
    settle(1);
  }
  function apply(delta) {
    delta.unlinked.forEach(function (k) { dropLink(key(k[0], k[1])); });
    delta.gone.forEach(function (id) {
      links.forEach(function (l, k) {
        var a = typeof l.source === "object" ? l.source.id : l.source;
        var b = typeof l.target === "object" ? l.target.id : l.target;
        if (a === id || b === id) dropLink(k);
      });
      dropNode(id);
    });
    delta.nodes.forEach(putNode);
    delta.links.forEach(putLink);
    figures(delta.figures);
    settle(0.5);
    return nodes.size === delta.totals.nodes && links.size === delta.totals.links;
  }
  window.kkWeb = { reset: reset, apply: apply, shown: function () { settle(0.1); } };

  // -- the map of story spots: the neighbourhood's outline and its spots, no tiles ----------
  var map = document.getElementById("spot-map");
  function rings(geo) {
    if (!geo) return [];
    if (geo.type === "FeatureCollection") return geo.features.reduce(function (all, f) { return all.concat(rings(f.geometry)); }, []);
    if (geo.type === "Feature") return rings(geo.geometry);
    if (geo.type === "Polygon") return geo.coordinates;
    if (geo.type === "MultiPolygon") return geo.coordinates.reduce(function (all, p) { return all.concat(p); }, []);
    return [];
  }
  function drawMap(data) {
    var outline = rings(data.outline), spots = data.spots || [];
    var points = outline.reduce(function (all, ring) { return all.concat(ring); }, [])
      .concat(spots.map(function (s) { return [s.lon, s.lat]; }));
    map.replaceChildren();
    document.getElementById("map-empty").hidden = spots.length > 0;
    body.setAttribute("data-map-spots", String(spots.length));
    if (!points.length) return;
    var r = map.getBoundingClientRect(), w = r.width || 800, h = r.height || 600, pad = 40;
    var lons = points.map(function (p) { return p[0]; }), lats = points.map(function (p) { return p[1]; });
    var west = Math.min.apply(null, lons), east = Math.max.apply(null, lons);
    var south = Math.min.apply(null, lats), north = Math.max.apply(null, lats);
    var squeeze = Math.cos((north + south) / 2 * Math.PI / 180);  // metres per degree east
    var k = Math.min((w - 2 * pad) / Math.max((east - west) * squeeze, 1e-9),
      (h - 2 * pad) / Math.max(north - south, 1e-9));
    var dx = (w - (east - west) * squeeze * k) / 2, dy = (h - (north - south) * k) / 2;
    function at(lon, lat) { return [dx + (lon - west) * squeeze * k, dy + (north - lat) * k]; }
    var d = outline.map(function (ring) {
      return ring.map(function (p, i) { var xy = at(p[0], p[1]); return (i ? "L" : "M") + xy[0].toFixed(1) + "," + xy[1].toFixed(1); }).join("") + "Z";
    }).join("");
    make("path", { d: d, "class": "outline" }, map);
    spots.forEach(function (s) {
      var xy = at(s.lon, s.lat);
      var g = make("g", { "class": "spot", "data-spot-id": String(s.id) }, map);
      make("circle", { cx: xy[0].toFixed(1), cy: xy[1].toFixed(1), r: "9" }, g);
      // Names to the right of the spot, or to its left in the east half, so they stay inside.
      var east = xy[0] > w / 2, x = (east ? xy[0] - 14 : xy[0] + 14).toFixed(1);
      var anchor = east ? "end" : "start";
      var label = make("text", { x: x, y: xy[1].toFixed(1), "text-anchor": anchor, "class": "spot-name" }, g);
      label.textContent = s.name;
      if (s.teller) {
        var teller = make("text", { x: x, y: xy[1].toFixed(1), dy: "1.3em", "text-anchor": anchor, "class": "spot-teller", "data-testid": "spot-teller" }, g);
        teller.textContent = msg("told-by").replace("__NAME__", s.teller);
      }
    });
  }
  function showMap() {
    var url = body.getAttribute("data-map-url");
    if (!url || !window.fetch) return;
    fetch(url, { credentials: "same-origin" }).then(function (res) { return res.ok ? res.json() : null; })
      .then(function (data) { if (data) drawMap(data); }).catch(function () { /* next turn */ });
  }
  window.kkMap = { show: showMap };
})();
