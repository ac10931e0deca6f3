// Starts Pagefind's self-hosted search UI in French; a query can come from ?q= (the home page form).
(function () {
  "use strict";
  var container = document.getElementById("recherche");
  if (!container || typeof PagefindUI === "undefined") { return; }
  // The other parts of the index (one per département), searched together with the main one.
  var merged = (container.getAttribute("data-merge") || "").split(" ").filter(Boolean).map(function (path) {
    return { bundlePath: path };
  });
  var ui = new PagefindUI({
    element: "#recherche",
    bundlePath: container.getAttribute("data-bundle"),
    mergeIndex: merged,
    showSubResults: false,
    showImages: false,
    resetStyles: false,
    autofocus: true,
    translations: {
      placeholder: "Rechercher un acteur, un événement, une commune…",
      clear_search: "Effacer",
      load_more: "Plus de résultats",
      search_label: "Rechercher dans l'annuaire",
      filters_label: "Filtres",
      zero_results: "Aucun résultat pour [SEARCH_TERM]",
      many_results: "[COUNT] résultats pour [SEARCH_TERM]",
      one_result: "[COUNT] résultat pour [SEARCH_TERM]",
      alt_search: "Aucun résultat pour [SEARCH_TERM]. Résultats pour [DIFFERENT_TERM] :",
      search_suggestion: "Aucun résultat pour [SEARCH_TERM]. Essayez :",
      searching: "Recherche de [SEARCH_TERM]…"
    }
  });
  // Pagefind's field has only an aria-label: give it a visible label too (WCAG 3.3.2).
  var input = container.querySelector("input.pagefind-ui__search-input");
  if (input) {
    input.id = "recherche-champ";
    var label = document.createElement("label");
    label.htmlFor = input.id;
    label.className = "search-label";
    label.textContent = "Rechercher un acteur, un événement, une commune";
    container.insertBefore(label, container.firstChild);
  }
  var query = new URLSearchParams(location.search).get("q");
  if (query) { ui.triggerSearch(query); }
})();
