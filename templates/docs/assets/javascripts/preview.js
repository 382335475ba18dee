// The preview of `briefings serve`: when the last rebuild failed, every page says why (the
// preview keeps serving the last good build). The report is text, shown as text.
(function () {
  "use strict";
  var script = document.currentScript;
  var status = script && script.getAttribute("data-status");
  if (!status || !window.fetch) return;
  fetch(status, { cache: "no-store" })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (report) {
      document.documentElement.setAttribute("data-brf-preview", report && report.error ? "failed" : "built");
      if (!report || !report.error) return;
      var box = document.createElement("div");
      box.className = "brf-preview-error";
      box.setAttribute("role", "alert");
      var lead = document.createElement("strong");
      lead.textContent = "The preview was not rebuilt";
      box.appendChild(lead);
      box.appendChild(document.createTextNode("; it shows the last good build. " + String(report.error)));
      document.body.appendChild(box);
    })
    .catch(function () {});
})();
