// The map over the server-rendered list: markers (clustered) from the GeoJSON API for the
// same search, popups built with textContent (never innerHTML: the texts come from
// crawled sites), and "search this area", which puts the map's view in the URL.
"use strict";
(function () {
  var box = document.getElementById("map");
  if (!box || typeof L === "undefined") { return; }
  box.hidden = false;
  var map = L.map(box, { worldCopyJump: true });
  var tiles = L.tileLayer(box.dataset.tiles, { maxZoom: 19 });
  tiles.addTo(map);
  map.attributionControl.setPrefix(false);
  // Leaflet's attribution is HTML: build it as an element so the setting is never parsed.
  var credit = document.createElement("a");
  credit.href = box.dataset.attributionUrl;
  credit.textContent = box.dataset.attribution;
  map.attributionControl.addAttribution(credit.outerHTML);
  var failed = 0;
  tiles.on("tileerror", function () {
    failed += 1;
    if (failed === 1) { note("Map tiles could not be loaded; markers and the list still work."); }
  });
  var cluster = L.markerClusterGroup({ maxClusterRadius: 40 });
  map.addLayer(cluster);
  window.bandcrawler = { map: map, cluster: cluster, markers: [] };
  initialView();
  addSearchAreaButton();
  fetch(box.dataset.geojson, { headers: { Accept: "application/geo+json" } })
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
    .then(showFeatures)
    .catch(function () { note("The map's markers could not be loaded; the list has them."); });

  function initialView() {
    if (box.dataset.bbox) {
      var b = box.dataset.bbox.split(",").map(Number);
      map.fitBounds([[b[1], b[0]], [b[3], b[2]]]);
    } else if (box.dataset.lat) {
      map.setView([Number(box.dataset.lat), Number(box.dataset.lon)], 8);
    } else {
      map.setView([48, 8], 4);
    }
  }

  function showFeatures(collection) {
    var markers = collection.features.map(markerFor);
    cluster.addLayers(markers);
    window.bandcrawler.markers = markers;
    if (markers.length && !box.dataset.bbox) {
      map.fitBounds(cluster.getBounds(), { maxZoom: 12, padding: [20, 20], animate: false });
    }
    box.dataset.markers = String(markers.length);  // settled: tests and users may look
  }

  function markerFor(f) {
    var p = f.properties;
    var classes = "bc-marker status-" + (p.status || "scheduled") + (p.listed ? "" : " unlisted");
    var icon = L.divIcon({ className: classes, iconSize: [18, 18] });
    var c = f.geometry.coordinates;
    var marker = L.marker([c[1], c[0]], { icon: icon, title: p.band, alt: p.band });
    marker.concert = p;
    marker.bindPopup(function () { return popup(p); });
    return marker;
  }

  function popup(p) {
    var root = el("div", "bc-popup");
    var band = el("bdi", "band");
    band.textContent = p.band;
    var title = el("strong");
    title.appendChild(band);
    root.appendChild(title);
    if (p.marks.length) { root.appendChild(text("div", "marks", p.marks.join(", "))); }
    root.appendChild(text("div", "when", [p.local_date, p.local_time].filter(Boolean).join(" ")));
    var where = el("bdi", "where");
    where.textContent = [p.venue, p.city, p.country].filter(Boolean).join(", ");
    root.appendChild(where);
    root.appendChild(text("div", "status", "Status: " + (p.status || "scheduled").replace("_", " ")));
    var link = text("a", "more", "Concert page");
    link.href = "/concerts/" + encodeURIComponent(p.concert_id);
    root.appendChild(link);
    return root;
  }

  function addSearchAreaButton() {
    var control = L.control({ position: "topright" });
    control.onAdd = function () {
      var button = text("button", "search-area", "Search this area");
      button.type = "button";
      L.DomEvent.disableClickPropagation(button);
      button.addEventListener("click", function () {
        var b = map.getBounds();
        var params = new URLSearchParams(window.location.search);
        ["near", "lat", "lon", "radius", "search_after"].forEach(function (k) { params.delete(k); });
        if (params.get("sort") === "distance") { params.delete("sort"); }
        params.set("bbox", [clampLon(b.getWest()), clampLat(b.getSouth()), clampLon(b.getEast()), clampLat(b.getNorth())]
          .map(function (v) { return v.toFixed(4); }).join(","));
        window.location.search = params.toString();
      });
      return button;
    };
    control.addTo(map);
  }

  function clampLon(v) { return Math.max(-180, Math.min(180, v)); }
  function clampLat(v) { return Math.max(-90, Math.min(90, v)); }
  function el(tag, cls) { var e = document.createElement(tag); if (cls) { e.className = cls; } return e; }
  function text(tag, cls, t) { var e = el(tag, cls); e.textContent = t; return e; }
  function note(message) {
    if (box.querySelector(".map-note")) { return; }
    box.appendChild(text("div", "map-note", message));
  }
}());
