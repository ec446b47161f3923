// The widget demo page: embeds /static/widget.js for the widget named by ?widget=ID, exactly as
// the snippet on a customer's site would (a separate file because the page's policy allows no
// inline scripts).
(function () {
  "use strict";
  var id = new URLSearchParams(location.search).get("widget") || "";
  if (!/^[0-9]+$/.test(id)) {
    document.addEventListener("DOMContentLoaded", function () {
      var note = document.getElementById("demo-note");
      if (note) note.textContent = "Add ?widget=ID to this page's address to try a widget (the id is shown in Settings → Integrations).";
    });
    return;
  }
  var script = document.createElement("script");
  script.src = "/static/widget.js";
  script.async = true;
  script.setAttribute("data-widget", id);
  document.head.appendChild(script);
})();
