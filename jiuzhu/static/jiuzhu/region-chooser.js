/* County → township → village chooser of the public pages (applications/_region_chooser.html).
   The page works without this script (each level is a plain GET); with it, the lists are filled
   from the public endpoints /apply/regions/<code>/ and /apply/regions/search/?q=. */
(function () {
  "use strict";

  function init(box) {
    var base = box.getAttribute("data-regions-url");
    var searchUrl = box.getAttribute("data-search-url");
    var county = box.querySelector(".rc-county");
    var township = box.querySelector(".rc-township");
    var village = box.querySelector(".rc-village");
    var chosen = box.querySelector(".rc-chosen");
    var q = box.querySelector(".rc-q");
    var results = box.querySelector(".rc-results");
    var timer = null;
    box.classList.add("rc-js");

    function say(text) { chosen.textContent = text || ""; }

    function fill(select, items, prompt) {
      select.innerHTML = "";
      var first = document.createElement("option");
      first.value = "";
      first.textContent = prompt;
      first.selected = true;
      select.appendChild(first);
      items.forEach(function (r) {
        var o = document.createElement("option");
        o.value = r.code;
        o.textContent = r.name;
        select.appendChild(o);
      });
      select.disabled = items.length === 0;
    }

    function waiting(select) { fill(select, [], select.getAttribute("data-wait")); }

    function get(url) {
      return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then(function (r) {
        if (r.status === 429) { throw new Error(box.getAttribute("data-msg-busy")); }
        if (!r.ok) { throw new Error(box.getAttribute("data-msg-failed")); }
        return r.json();
      });
    }

    function children(code) { return get(base + encodeURIComponent(code) + "/"); }

    function showChosen() {
      if (!village.value) { say(""); return; }
      var c = county.options[county.selectedIndex];
      var city = c && c.parentNode && c.parentNode.label ? c.parentNode.label + " " : "";
      chosen.textContent = "";
      chosen.appendChild(document.createTextNode(box.getAttribute("data-msg-chosen") + " " + city + c.text + " " +
        township.options[township.selectedIndex].text + " "));
      var strong = document.createElement("strong");
      strong.textContent = village.options[village.selectedIndex].text;
      chosen.appendChild(strong);
    }

    function loadTownships(then) {
      waiting(township); waiting(village); say("");
      if (!county.value) { return Promise.resolve(); }
      return children(county.value).then(function (d) {
        fill(township, d.regions, township.getAttribute("data-prompt"));
        if (then) { return then(); }
      }).catch(function (e) { say(e.message); });
    }

    function loadVillages(then) {
      waiting(village); say("");
      if (!township.value) { return Promise.resolve(); }
      return children(township.value).then(function (d) {
        fill(village, d.regions, village.getAttribute("data-prompt"));
        if (then) { return then(); }
      }).catch(function (e) { say(e.message); });
    }

    county.addEventListener("change", function () { loadTownships(); });
    township.addEventListener("change", function () { loadVillages(); });
    village.addEventListener("change", showChosen);

    function pick(r) {
      county.value = r.county;
      loadTownships(function () {
        township.value = r.township;
        return loadVillages(function () { village.value = r.code; showChosen(); village.focus(); });
      });
    }

    function search() {
      var text = q.value.trim();
      results.innerHTML = "";
      if (!text) { return; }
      get(searchUrl + "?q=" + encodeURIComponent(text)).then(function (d) {
        results.innerHTML = "";
        if (!d.regions.length) {
          var none = document.createElement("li");
          none.className = "muted";
          none.textContent = box.getAttribute("data-msg-none");
          results.appendChild(none);
        }
        d.regions.forEach(function (r) {
          var li = document.createElement("li");
          var b = document.createElement("button");
          b.type = "button";
          b.className = "link";
          b.appendChild(document.createTextNode(r.path + " "));
          var strong = document.createElement("strong");
          strong.textContent = r.name;
          b.appendChild(strong);
          b.addEventListener("click", function () { results.innerHTML = ""; pick(r); });
          li.appendChild(b);
          results.appendChild(li);
        });
      }).catch(function (e) { say(e.message); });
    }

    q.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(search, 300); });
    q.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); clearTimeout(timer); search(); }
    });
  }

  function start() { Array.prototype.forEach.call(document.querySelectorAll(".region-chooser"), init); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
