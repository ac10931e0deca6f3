// Filters the agenda by commune and theme; the page lists everything without JavaScript.
(function () {
  "use strict";
  var form = document.getElementById("filtres");
  var agenda = document.getElementById("agenda");
  if (!form || !agenda) { return; }
  var commune = document.getElementById("filtre-commune");
  var theme = document.getElementById("filtre-theme");
  var status = form.querySelector(".filter-status");
  form.hidden = false;

  function apply() {
    var wantedCommune = commune.value;
    var wantedTheme = theme.value;
    var shown = 0;
    agenda.querySelectorAll(".agenda-day").forEach(function (day) {
      var visible = 0;
      day.querySelectorAll("li.event").forEach(function (item) {
        var themes = (item.getAttribute("data-themes") || "").split(" ");
        var match = (!wantedCommune || item.getAttribute("data-commune") === wantedCommune) &&
          (!wantedTheme || themes.indexOf(wantedTheme) !== -1);
        item.hidden = !match;
        if (match) { visible += 1; }
      });
      day.hidden = visible === 0;
      shown += visible;
    });
    status.textContent = shown === 0 ? "Aucun événement ne correspond à ces filtres." :
      shown + (shown > 1 ? " événements affichés." : " événement affiché.");
    var params = new URLSearchParams();
    if (wantedCommune) { params.set("commune", wantedCommune); }
    if (wantedTheme) { params.set("theme", wantedTheme); }
    var query = params.toString();
    history.replaceState(null, "", query ? "?" + query : location.pathname);
  }

  var initial = new URLSearchParams(location.search);
  if (initial.get("commune")) { commune.value = initial.get("commune"); }
  if (initial.get("theme")) { theme.value = initial.get("theme"); }
  commune.addEventListener("change", apply);
  theme.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
  if (commune.value || theme.value) { apply(); }
})();
