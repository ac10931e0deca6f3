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
    follow(wantedCommune, wantedTheme);
  }

  // The calendar to subscribe to follows the filters: the commune's, the theme's, or both's.
  var subscription = document.getElementById("abonnement-agenda");
  function follow(wantedCommune, wantedTheme) {
    if (!subscription) { return; }
    var site = subscription.getAttribute("data-site") || "";
    var pairs = (subscription.getAttribute("data-pairs") || "").split(" ");
    var path = "/donnees/evenements.ics";
    if (wantedCommune && wantedTheme) {
      path = pairs.indexOf(wantedCommune + ":" + wantedTheme) !== -1 ? "/donnees/communes/" + wantedCommune + "/" + wantedTheme + ".ics" : "";
    } else if (wantedCommune) {
      path = "/donnees/communes/" + wantedCommune + ".ics";
    } else if (wantedTheme) {
      path = "/donnees/themes/" + wantedTheme + ".ics";
    }
    var details = subscription.querySelector("details");
    if (details) { details.hidden = !path; }
    if (!path) { return; }
    var address = subscription.querySelector("input[readonly]");
    if (address) { address.value = site + path; }
    var webcal = subscription.querySelector("a[href^='webcal:']");
    if (webcal) { webcal.href = "webcal://" + site.replace(/^https?:\/\//, "").replace(/\/$/, "") + path; }
    var file = subscription.querySelector("a[download]");
    if (file) { file.href = site + path; }
  }

  var initial = new URLSearchParams(location.search);
  if (initial.get("commune")) { commune.value = initial.get("commune"); }
  if (initial.get("theme")) { theme.value = initial.get("theme"); }
  commune.addEventListener("change", apply);
  theme.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
  if (commune.value || theme.value) { apply(); }
})();
