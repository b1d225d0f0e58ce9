/* The platform's only script besides htmx: no inline scripts anywhere (Content Security Policy). */
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var el = e.target.closest && e.target.closest("[data-print]");
    if (el) { e.preventDefault(); window.print(); }
  });
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute && e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    /* A submitted visit: forget this device's draft copy (see visit.js). */
    document.querySelectorAll("[data-clear-draft]").forEach(function (el) {
      try { localStorage.removeItem(el.getAttribute("data-clear-draft")); } catch (err) {}
    });
  });
})();
