/* communs — a widget's options, from its address (the host site writes them in the iframe's src).
   couleur / fond: a hex colour such as 8a2be2 (without #); nombre: how many events to show;
   titre=non: no title. Anything else is ignored: the values never reach the page as markup. */
(function () {
  "use strict";
  var params = new URLSearchParams(window.location.search);
  var root = document.documentElement.style;
  function colour(name) {
    var value = params.get(name);
    return value && /^(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(value) ? "#" + value : null;
  }
  var accent = colour("couleur"), paper = colour("fond");
  if (accent) root.setProperty("--accent", accent);
  if (paper) root.setProperty("--paper", paper);
  var count = params.get("nombre");
  if (count && /^[0-9]{1,3}$/.test(count)) {
    var limit = parseInt(count, 10), seen = 0;
    document.querySelectorAll(".agenda-day").forEach(function (day) {
      var events = day.querySelectorAll(".event"), shown = 0;
      events.forEach(function (event) {
        seen += 1;
        if (seen > limit) event.hidden = true; else shown += 1;
      });
      if (!shown) day.hidden = true;
    });
  }
  if (params.get("titre") === "non") {
    document.querySelectorAll("[data-widget-title]").forEach(function (title) { title.classList.add("visually-hidden"); });
  }
})();
