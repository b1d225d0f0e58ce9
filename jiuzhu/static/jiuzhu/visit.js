/* Offline tolerance: the server keeps the draft (htmx autosave); this device keeps a copy too, so a
   form typed without a connection survives a reload and is restored into the empty fields. */
(function () {
  var form = document.getElementById("visit-form");
  if (!form || !window.localStorage) return;
  var key = form.dataset.key, status = document.getElementById("autosave");
  function save() {
    var data = {};
    new FormData(form).forEach(function (v, k) { if (k !== "csrfmiddlewaretoken") data[k] = v; });
    try { localStorage.setItem(key, JSON.stringify(data)); } catch (e) {}
  }
  try {
    var kept = JSON.parse(localStorage.getItem(key) || "{}");
    Object.keys(kept).forEach(function (k) {
      var els = form.querySelectorAll('[name="' + k + '"]');
      els.forEach(function (el) {
        if (el.type === "radio") { if (!form.querySelector('[name="' + k + '"]:checked') && el.value === kept[k]) el.checked = true; }
        else if (!el.value) { el.value = kept[k]; }
      });
    });
  } catch (e) {}
  form.addEventListener("input", save);
  form.addEventListener("change", save);
  document.body.addEventListener("htmx:sendError", function () {
    if (status) status.textContent = (status && status.getAttribute("data-offline-text")) || "";
  });
})();
