// Pagefind's own module, with filter values in French alphabetical order.
//
// Pagefind sorts filter values by their bytes, so « Économie » comes after « Tourisme ». Its
// search UI imports "<bundlePath>pagefind.js" and lists values in the order of the objects this
// module returns; the search page points bundlePath here, and this module hands every call to the
// real one (whose own files it finds from its own address), re-keying the filter objects in
// French collation order. A search also waits until every filter is loaded: when a query comes
// with the page (?q=), Pagefind could otherwise answer with only some filter groups, and the
// missing ones stayed hidden until the next search.
import * as pagefind from "../../../pagefind/pagefind.js";

var collator = new Intl.Collator("fr", { sensitivity: "base", numeric: true });

function sortedKeys(object) {
  var sorted = {};
  Object.keys(object || {}).sort(collator.compare).forEach(function (key) { sorted[key] = object[key]; });
  return sorted;
}

export function sortedFilters(filters) {
  var sorted = {};
  Object.keys(filters || {}).sort(collator.compare).forEach(function (group) {
    sorted[group] = sortedKeys(filters[group]);
  });
  return sorted;
}

export var options = pagefind.options;
export var init = pagefind.init;
export var mergeIndex = pagefind.mergeIndex;
export var preload = pagefind.preload;
export var destroy = pagefind.destroy;
export var createInstance = pagefind.createInstance;

var allFilters = null;

export async function filters() {
  if (allFilters === null) { allFilters = pagefind.filters(); }
  return sortedFilters(await allFilters);
}

async function sortedSearch(search) {
  if (search && search.filters) { search.filters = sortedFilters(search.filters); }
  if (search && search.totalFilters) { search.totalFilters = sortedFilters(search.totalFilters); }
  return search;
}

export async function search(term, settings) {
  await filters();
  return sortedSearch(await pagefind.search(term, settings));
}

export async function debouncedSearch(term, settings, timeout) {
  await filters();
  var found = await pagefind.debouncedSearch(term, settings, timeout);
  return found === null ? null : sortedSearch(found);
}
