// Starts Pagefind's self-hosted search UI in French; a query can come from ?q= (the home page form).
(function () {
  "use strict";
  var container = document.getElementById("recherche");
  if (!container || typeof PagefindUI === "undefined") { return; }
  var ui = new PagefindUI({
    element: "#recherche",
    bundlePath: container.getAttribute("data-bundle"),
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
  var query = new URLSearchParams(location.search).get("q");
  if (query) { ui.triggerSearch(query); }
})();
