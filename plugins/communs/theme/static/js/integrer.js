/* communs — the "show on your site" box of commune and actor pages: writes the <iframe> code for
   the chosen widget, height and colour (see widget.js for what the widget reads). */
(function () {
  "use strict";
  function escape(text) {
    return String(text).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  document.querySelectorAll("[data-embed]").forEach(function (box) {
    var code = box.querySelector("textarea"), preview = box.querySelector("[data-embed-preview]");
    var height = box.querySelector("input[type=number]"), colour = box.querySelector("input[type=color]");
    function chosen() {
      return box.querySelector("input[type=radio]:checked") || box.querySelector("[data-only]");
    }
    function update() {
      var item = chosen(), url = new URL(item.getAttribute("data-url"), window.location.href);
      var pixels = parseInt(height.value, 10);
      if (!(pixels >= 200 && pixels <= 2000)) pixels = 500;
      if (colour.value && colour.value.toLowerCase() !== "#0b5d52") url.searchParams.set("couleur", colour.value.slice(1));
      code.value = '<iframe src="' + escape(url.href) + '" title="' + escape(item.getAttribute("data-title")) +
        '" width="100%" height="' + pixels + '" style="border:0" loading="lazy"></iframe>';
      preview.href = url.href;
    }
    box.addEventListener("input", update);
    box.addEventListener("change", update);
    code.addEventListener("focus", function () { code.select(); });
    update();
  });
})();
