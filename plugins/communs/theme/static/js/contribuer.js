// The contribution form, enhanced: commune suggestions, a map to place the point, likely
// duplicates, a picture checked and previewed before it is sent, and sending as JSON (with the
// picture beside it, as multipart) with errors shown next to the fields. Without JavaScript the
// form posts to the service as a plain HTML form and nothing is lost.
(function () {
  "use strict";
  var form = document.querySelector("form.contribution");
  if (!form) { return; }
  var service = form.getAttribute("data-service") || "";
  var forgeNew = form.getAttribute("data-forge-new") || "";
  var zone = form.getAttribute("data-timezone") || "UTC";
  var kind = form.getAttribute("data-kind") || "actor";
  var status = form.querySelector(".submit-status");
  var SKIP = ["form_kind", "token", "action", "record_id", "message", "contributor_name", "contributor_email", "contributor_credit", "site_web_2", "commune_choice", "picture", "remove_picture"];

  function api(path) { return service + path; }
  function getJSON(path) {
    return fetch(api(path), { headers: { "Accept": "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.json();
    });
  }
  function debounce(fn, delay) {
    var timer = null;
    return function () { var args = arguments; clearTimeout(timer); timer = setTimeout(function () { fn.apply(null, args); }, delay); };
  }
  function text(tag, content, className) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    node.textContent = content;
    return node;
  }

  // A fresh form token (the static site's form has none), asked for when the visitor starts
  // filling the form, not for every reader of the page.
  var tokenInput = form.querySelector("input[name=token]");
  function fetchToken() {
    if (service && tokenInput && !tokenInput.value) {
      getJSON("/api/form-token").then(function (data) { tokenInput.value = data.token; }).catch(function () {});
    }
  }
  form.addEventListener("focusin", fetchToken, { once: true });

  // Commune suggestions: a name, a postal code or a code finds it; the territory's communes come
  // first. A suggestion reads "Saint-Pierre (974)", which the service understands as it is.
  var communeInput = form.querySelector("input[name=commune]");
  var communeList = document.getElementById("communes-suggestions");
  var communeName = form.querySelector(".commune-name");
  var communes = {};
  function labelOf(commune) { return commune.name + " (" + commune.departement + ")"; }
  if (communeInput && communeList && service) {
    communeInput.addEventListener("input", debounce(function () {
      var query = communeInput.value.trim();
      if (query.length < 2) { return; }
      if (communes[query]) { showCommune(); return; }
      getJSON("/api/communes?q=" + encodeURIComponent(query)).then(function (data) {
        communeList.textContent = "";
        data.communes.forEach(function (commune) {
          communes[labelOf(commune)] = commune;
          communes[commune.code] = communes[commune.code] || commune;
          var option = document.createElement("option");
          option.value = labelOf(commune);
          option.textContent = commune.postal_codes.length ? commune.postal_codes.join(", ") : commune.code;
          communeList.appendChild(option);
        });
        showCommune();
      }).catch(function () {});
    }, 250));
    communeInput.addEventListener("change", showCommune);
  }
  function showCommune() {
    var found = communes[communeInput.value.trim()];
    if (communeName) { communeName.textContent = found ? "Commune : " + found.name + " (" + found.departement + ")" : ""; }
    if (found && found.lat !== null) { pickers.forEach(function (picker) { picker.centre(found.lat, found.lon); }); }
    checkDuplicates();
  }

  // Organisers and venue are named, not identified: suggestions from the directory's actors. The
  // organisers' field holds several names separated by commas; each suggestion completes the last.
  function suggestActors(input, list, several) {
    if (!input || !list || !service) { return; }
    input.addEventListener("input", debounce(function () {
      var parts = several ? input.value.split(",") : [input.value];
      var typed = parts[parts.length - 1].trim();
      if (typed.length < 2) { return; }
      var before = several ? parts.slice(0, -1).map(function (part) { return part.trim(); }).filter(Boolean) : [];
      getJSON("/api/actors?q=" + encodeURIComponent(typed)).then(function (data) {
        list.textContent = "";
        data.actors.forEach(function (actor) {
          var option = document.createElement("option");
          option.value = before.concat([actor.name]).join(", ");
          option.textContent = actor.commune_name;
          list.appendChild(option);
        });
      }).catch(function () {});
    }, 250));
  }
  suggestActors(form.querySelector("input[name=organizers]"), document.getElementById("organisateurs-suggestions"), true);
  suggestActors(form.querySelector("input[name='venue.ref']"), document.getElementById("acteurs-suggestions"), false);
  suggestActors(form.querySelector("input[name=actor]"), document.getElementById("appel-acteurs-suggestions"), false);

  // Repairs shown before sending: when a person leaves a web address, a phone, keywords or a
  // postal code, the service says how it will be written, and the field takes that value.
  form.querySelectorAll("input[data-widget=url], input[data-widget=tel], input[name=tags], input[name$=postal_code]").forEach(function (input) {
    if (!service) { return; }
    input.addEventListener("change", function () {
      var typed = input.value;
      var old = input.parentNode.querySelector(".repair-note");
      if (old) { old.remove(); }
      if (!typed.trim()) { return; }
      var commune = communeInput ? ((communes[communeInput.value.trim()] || {}).code || communeInput.value.trim()) : "";
      getJSON("/api/repair?kind=" + kind + "&field=" + encodeURIComponent(input.name) + "&value=" + encodeURIComponent(typed) + "&commune=" + encodeURIComponent(commune))
        .then(function (data) {
          if (!data.value || data.value === typed || input.value !== typed) { return; }
          input.value = data.value;
          var note = text("p", "Mis en forme : « " + typed + " » → « " + data.value + " »", "field-help repair-note");
          note.setAttribute("role", "status");
          input.parentNode.insertBefore(note, input.nextSibling);
        }).catch(function () {});
    });
  });

  // A map to place the point.
  var pickers = [];
  form.querySelectorAll(".map-picker").forEach(function (box) {
    if (typeof L === "undefined") { return; }
    var lat = document.getElementById(box.getAttribute("data-lat"));
    var lon = document.getElementById(box.getAttribute("data-lon"));
    if (!lat || !lon) { return; }
    box.hidden = false;
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", "Carte : cliquez pour placer le lieu (ou saisissez la latitude et la longitude)");
    var start = lat.value && lon.value ? [parseFloat(lat.value), parseFloat(lon.value)] : [-21.1, 55.5];
    var map = L.map(box, { scrollWheelZoom: false, zoomControl: false }).setView(start, lat.value ? 15 : 9);
    L.control.zoom({ zoomInTitle: "Rapprocher", zoomOutTitle: "Éloigner" }).addTo(map);
    L.tileLayer(form.getAttribute("data-tiles"), { attribution: form.getAttribute("data-attribution"), maxZoom: 19 }).addTo(map);
    var marker = null;
    function place(latlng) {
      if (!marker) { marker = L.marker(latlng, { draggable: true, keyboard: true, title: "Lieu" }).addTo(map); marker.on("dragend", function () { write(marker.getLatLng()); }); }
      marker.setLatLng(latlng);
    }
    function write(latlng) {
      lat.value = latlng.lat.toFixed(6);
      lon.value = latlng.lng.toFixed(6);
    }
    if (lat.value && lon.value) { place(start); }
    map.on("click", function (event) { place(event.latlng); write(event.latlng); });
    [lat, lon].forEach(function (input) {
      input.addEventListener("change", function () {
        var a = parseFloat(lat.value), b = parseFloat(lon.value);
        if (!isNaN(a) && !isNaN(b)) { place([a, b]); map.setView([a, b], 15); }
      });
    });
    pickers.push({ centre: function (a, b) { if (!lat.value) { map.setView([a, b], 13); } } });
  });

  // The recurrence picker: only the questions that apply, and the rule read back in French by the
  // service (the same words as the event's page will use).
  var picker = form.querySelector("[data-widget-group=recurrence]");
  if (picker) {
    var frequency = picker.querySelector("select");
    var reading = picker.querySelector(".recurrence-reading");
    var showParts = function () {
      var chosen = frequency.value;
      picker.querySelector(".recurrence-weekly").hidden = chosen !== "WEEKLY";
      picker.querySelector(".recurrence-monthly").hidden = chosen !== "MONTHLY";
      picker.querySelector(".recurrence-interval").hidden = !chosen;
      picker.querySelector(".recurrence-end").hidden = !chosen;
      picker.querySelector(".recurrence-except").hidden = !chosen;
    };
    var readBack = debounce(function () {
      var start = (form.elements["start.date"] || {}).value || "";
      if (!service || !frequency.value || !start) { reading.textContent = ""; return; }
      var query = "start=" + encodeURIComponent(start);
      Array.prototype.forEach.call(picker.querySelectorAll("[name^='recurrence.']"), function (element) {
        if ((element.type === "checkbox" || element.type === "radio") && !element.checked) { return; }
        if (element.value) { query += "&" + encodeURIComponent(element.name.slice(11)) + "=" + encodeURIComponent(element.value); }
      });
      getJSON("/api/recurrence?" + query).then(function (data) {
        reading.textContent = data.text ? "L'événement aura lieu " + data.text + "." : "";
      }).catch(function () { reading.textContent = ""; });
    }, 300);
    showParts();
    picker.addEventListener("change", function () { showParts(); readBack(); });
    var startDate = form.elements["start.date"];
    if (startDate) { startDate.addEventListener("change", readBack); }
  }

  // The picture: its type, weight and size checked here, before anything is sent, and a preview;
  // the service checks it again, turns it upright and strips its metadata.
  var pictureInput = form.querySelector("input[data-widget=picture-file]");
  var removePicture = form.querySelector("input[data-widget=picture-remove]");
  if (pictureInput) {
    var pictureCheck = document.getElementById(pictureInput.id + "-verification");
    var preview = pictureInput.parentNode.querySelector(".picture-preview");
    var accepted = (pictureInput.getAttribute("accept") || "").split(",");
    var limit = function (name) { return Number(pictureInput.getAttribute("data-" + name)); };
    var megabytes = function (bytes) { return (bytes / 1000000).toFixed(1).replace(".", ","); };
    var weight = function (bytes) { return bytes < 1000000 ? Math.ceil(bytes / 1000) + " ko" : megabytes(bytes) + " Mo"; };
    var clearPicture = function () {
      preview.textContent = "";
      preview.hidden = true;
      pictureCheck.textContent = "";
      pictureCheck.className = "picture-check";
      pictureInput.removeAttribute("aria-invalid");
    };
    var refusePicture = function (message) {
      clearPicture();
      pictureInput.value = "";
      pictureCheck.textContent = message;
      pictureCheck.className = "picture-check field-error";
      pictureInput.setAttribute("aria-invalid", "true");
    };
    pictureInput.addEventListener("change", function () {
      clearPicture();
      var file = pictureInput.files && pictureInput.files[0];
      if (!file) { return; }
      if (file.type && accepted.indexOf(file.type) === -1) {
        refusePicture("« " + file.name + " » n'est pas une image JPEG, PNG ou WebP : choisissez-en une autre, ou enregistrez-la dans l'un de ces formats.");
        return;
      }
      if (file.size > limit("max-bytes")) {
        refusePicture("Cette image pèse " + megabytes(file.size) + " Mo : au plus " + Math.floor(limit("max-bytes") / 1000000) + " Mo. Choisissez-en une plus légère, ou réduisez-la (2 000 pixels de large suffisent).");
        return;
      }
      var reader = new FileReader();
      reader.onload = function () {
        var image = new Image();
        image.onload = function () {
          var width = image.naturalWidth, height = image.naturalHeight;
          if (width * height > limit("max-pixels")) {
            refusePicture("Cette image fait " + width + " × " + height + " pixels : trop grande (au plus " + Math.floor(limit("max-pixels") / 1000000) + " millions de pixels). Réduisez-la.");
          } else if (width < limit("min-width") || height < limit("min-height")) {
            refusePicture("Cette image fait " + width + " × " + height + " pixels : au moins " + limit("min-width") + " × " + limit("min-height") + " pour rester nette.");
          } else {
            image.alt = "Aperçu de l'image choisie";
            preview.appendChild(image);
            preview.hidden = false;
            pictureCheck.textContent = "Image choisie : " + file.name + " (" + weight(file.size) + ", " + width + " × " + height + " pixels). Décrivez-la et choisissez sa licence ci-dessous.";
            if (removePicture) { removePicture.checked = false; }
          }
        };
        image.onerror = function () { refusePicture("« " + file.name + " » ne se lit pas comme une image : choisissez-en une autre."); };
        image.src = reader.result;
      };
      reader.readAsDataURL(file);
    });
  }

  // Likely duplicates, before sending.
  var duplicates = form.querySelector(".duplicates");
  var nameInput = form.querySelector("input[name=name], input[name=title]");
  var checkDuplicates = debounce(function () {
    if (!duplicates || !nameInput || !service || !communeInput) { return; }
    var name = nameInput.value.trim();
    if (name.length < 3) { duplicates.hidden = true; return; }
    getJSON("/api/duplicates?kind=" + kind + "&name=" + encodeURIComponent(name) + "&commune=" + encodeURIComponent(communeInput.value.trim()))
      .then(function (data) {
        duplicates.textContent = "";
        if (!data.duplicates.length) { duplicates.hidden = true; return; }
        duplicates.appendChild(text("p", "Cette fiche existe peut-être déjà. Vérifiez avant d'envoyer ; si c'est bien une autre, continuez.", "notice"));
        var list = document.createElement("ul");
        data.duplicates.forEach(function (match) {
          var item = document.createElement("li");
          var link = document.createElement("a");
          link.href = /^(https?:\/\/|\/)/.test(match.url) ? match.url : "#";
          link.textContent = match.name;
          item.appendChild(link);
          item.appendChild(document.createTextNode(" — " + match.commune_name + " (" + match.reason + ")"));
          list.appendChild(item);
        });
        duplicates.appendChild(list);
        duplicates.hidden = false;
      }).catch(function () {});
  }, 400);
  if (nameInput) { nameInput.addEventListener("input", checkDuplicates); }

  // The record, built from the fields as the service reads them.
  function offsetFor(day, clock) {
    var probe = new Date(day + "T" + clock + ":00Z");
    if (isNaN(probe.getTime())) { return "+00:00"; }
    var parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" }).formatToParts(probe);
    var name = (parts.filter(function (p) { return p.type === "timeZoneName"; })[0] || {}).value || "GMT";
    return name === "GMT" ? "+00:00" : name.slice(3);
  }
  function setPath(target, path, value) {
    var keys = path.split(".");
    var node = target;
    for (var i = 0; i < keys.length - 1; i++) { node = node[keys[i]] = node[keys[i]] || {}; }
    node[keys[keys.length - 1]] = value;
  }
  function prune(value) {
    if (Array.isArray(value)) { return value.length ? value : undefined; }
    if (value && typeof value === "object") {
      Object.keys(value).forEach(function (key) { var kept = prune(value[key]); if (kept === undefined) { delete value[key]; } else { value[key] = kept; } });
      return Object.keys(value).length ? value : undefined;
    }
    return value === "" || value === null ? undefined : value;
  }
  function buildRecord() {
    var record = {};
    var references = {};
    Array.prototype.forEach.call(form.elements, function (element) {
      var name = element.name;
      if (!name || SKIP.indexOf(name) !== -1 || element.disabled) { return; }
      var widget = element.getAttribute("data-widget");
      if (element.type === "radio" && !element.checked && widget !== "recurrence-part") { return; }
      var value = (element.value || "").trim();
      if (widget === "checkboxes") {
        if (!element.checked) { return; }
        var list = (function () { var existing = name.split(".").reduce(function (o, k) { return o && o[k]; }, record); return Array.isArray(existing) ? existing : []; })();
        list.push(element.value);
        setPath(record, name, list);
      } else if (widget === "checkbox") {
        if (element.checked) { setPath(record, name, true); }
      } else if (widget === "moment") {
        if (!value) { return; }
        var base = name.slice(0, -5);
        var clock = ((form.elements[base + ".time"] || {}).value || "").trim();
        setPath(record, base, clock ? value + "T" + clock + ":00" + offsetFor(value, clock) : value);
      } else if (widget === "moment-time") {
        return;
      } else if (widget === "recurrence-part") {
        if ((element.type === "checkbox" || element.type === "radio") && !element.checked) { return; }
        if (!value) { return; }
        if (element.type === "checkbox" || /\.except$/.test(name)) {
          var key = name.split(".").pop();
          var listed = (record.recurrence && record.recurrence[key]) || [];
          listed.push(value);
          setPath(record, name, listed);
        } else {
          setPath(record, name, value);
        }
      } else if (widget === "reference") {
        if (value) { references[name.slice(0, -4)] = value; }
      } else if (widget === "list") {
        setPath(record, name, value.split(/[,;\n]/).map(function (part) { return part.trim(); }).filter(Boolean));
      } else if (widget === "number" || widget === "integer") {
        if (value) { var number = Number(value.replace(",", ".")); setPath(record, name, isNaN(number) ? value : number); }
      } else if (widget === "markdown") {
        if (value) { setPath(record, name, element.value.replace(/\r\n/g, "\n").trim() + "\n"); }
      } else {
        setPath(record, name, value);
      }
    });
    Object.keys(references).forEach(function (name) { setPath(record, name, references[name]); });
    var chosen = form.querySelector("input[name=commune_choice]:checked");
    if (chosen) { record.commune = chosen.value; }
    return prune(record) || {};
  }

  function clearErrors() {
    form.querySelectorAll(".field-error").forEach(function (node) { node.remove(); });
    form.querySelectorAll(".has-error").forEach(function (node) { node.classList.remove("has-error"); });
    form.querySelectorAll("[aria-invalid]").forEach(function (node) {
      node.removeAttribute("aria-invalid");
      var described = (node.getAttribute("aria-describedby") || "").split(" ").filter(function (id) { return id && !/-erreur$/.test(id); });
      if (described.length) { node.setAttribute("aria-describedby", described.join(" ")); } else { node.removeAttribute("aria-describedby"); }
    });
    document.querySelectorAll(".error-summary, .commune-choices, .repairs").forEach(function (node) { node.remove(); });
  }
  // What the service put into shape (an address without https://, a keyword with a space...),
  // shown so that the person can check it; the fields take the repaired values.
  function showRepairs(repairs) {
    if (!repairs || !repairs.length) { return null; }
    var box = document.createElement("div");
    box.className = "notice repairs";
    box.setAttribute("role", "status");
    box.appendChild(text("p", "Le formulaire a mis en forme ce que vous avez écrit ; vérifiez que c'est bien ce que vous vouliez :"));
    var list = document.createElement("ul");
    repairs.forEach(function (repair) {
      list.appendChild(text("li", repair.label + " : « " + repair.before + " » → « " + repair.after + " »"));
      var input = form.elements[repair.field];
      if (input && input.value !== undefined && repair.field !== "commune") { input.value = repair.after; }
    });
    box.appendChild(list);
    return box;
  }
  function showChoices(error) {
    var input = form.elements[error.field];
    if (!input || !error.choices || !error.choices.length) { return; }
    var set = document.createElement("fieldset");
    set.className = "commune-choices";
    set.appendChild(text("legend", "Choisissez votre commune :"));
    error.choices.forEach(function (choice, index) {
      var label = document.createElement("label");
      label.className = "choice";
      var radio = document.createElement("input");
      radio.type = "radio";
      radio.name = "commune_choice";
      radio.id = "champ-commune-choix-" + (index + 1);
      radio.value = choice[0];
      label.appendChild(radio);
      label.appendChild(document.createTextNode(" " + choice[1]));
      set.appendChild(label);
    });
    input.parentNode.insertBefore(set, (input.parentNode.querySelector(".commune-name") || input).nextSibling);
  }
  // The error summary (the GOV.UK and DSFR pattern): what to fix, each with a link to its field,
  // and the same message beside the field, tied to it for screen readers. The service words each
  // problem for people (the field's label, never its key) and says which field it belongs to.
  function showErrors(message, errors, repairs) {
    clearErrors();
    var repaired = showRepairs(repairs);
    var summary = document.createElement("div");
    summary.className = "error-summary";
    summary.id = "erreurs";
    summary.setAttribute("role", "alert");
    summary.setAttribute("tabindex", "-1");
    var onFields = (errors || []).filter(function (error) { return error.field; });
    var count = onFields.length;
    summary.appendChild(text("h2", count === 0 ? "L'envoi n'a pas abouti" : count === 1 ? "Un point à corriger avant d'envoyer" : count + " points à corriger avant d'envoyer"));
    var general = (errors || []).filter(function (error) { return !error.field; }).map(function (error) { return error.message; });
    if (!count && !general.length) { general = [message]; }
    general.forEach(function (line) { summary.appendChild(text("p", line)); });
    if (count) {
      var list = document.createElement("ul");
      onFields.forEach(function (error) {
        var item = document.createElement("li");
        var link = text("a", error.summary || error.message);
        link.href = "#" + error.anchor;
        link.addEventListener("click", function (event) {
          var target = document.getElementById(error.anchor);
          if (!target) { return; }
          event.preventDefault();
          target.scrollIntoView({ block: "center" });
          (target.matches("input, select, textarea") ? target : (target.querySelector("input, select, textarea") || target)).focus();
        });
        item.appendChild(link);
        list.appendChild(item);
        showChoices(error);
        var target = document.getElementById(error.anchor);
        if (!target) { return; }
        var folded = target.closest("details");
        if (folded) { folded.open = true; }
        var holder = target.closest(".field, fieldset") || target.parentNode;
        var note = text("p", error.message, "field-error");
        note.id = "champ-" + error.field.replace(/[._]/g, "-") + "-erreur";
        var heading = holder.querySelector("label, legend");
        holder.insertBefore(note, heading ? heading.nextSibling : holder.firstChild);
        holder.classList.add("has-error");
        var input = target.matches("input, select, textarea") ? target : target.querySelector("input, select, textarea");
        if (input) {
          input.setAttribute("aria-invalid", "true");
          input.setAttribute("aria-describedby", ((input.getAttribute("aria-describedby") || "") + " " + note.id).trim());
        }
      });
      summary.appendChild(list);
      summary.appendChild(text("p", "Tout ce que vous avez saisi a été conservé."));
    }
    form.parentNode.insertBefore(summary, form);
    if (repaired) { form.parentNode.insertBefore(repaired, form); }
    summary.focus();
  }
  function showDone(data) {
    var done = document.createElement("section");
    done.className = "done";
    done.setAttribute("tabindex", "-1");
    done.appendChild(text("h2", "Merci, votre proposition est enregistrée"));
    done.appendChild(text("p", "Numéro de reçu : " + data.receipt));
    if (data.pull_request && /^https?:\/\//.test(data.pull_request)) {
      var para = text("p", "Demande de modification : ");
      var link = document.createElement("a");
      link.href = data.pull_request;
      link.textContent = data.pull_request;
      link.className = "pull-request";
      para.appendChild(link);
      done.appendChild(para);
    } else if (data.status === "opened") {
      done.appendChild(text("p", "Transmise au dépôt de l'annuaire sur la branche " + data.branch + "."));
    } else {
      done.appendChild(text("p", "Le dépôt ne répond pas pour le moment : votre proposition est gardée et sera transmise dès que possible."));
    }
    done.appendChild(text("p", "Une personne qui maintient la commune va la relire ; une fois acceptée, la fiche sera publiée sur le site."));
    if (data.repairs && data.repairs.length) {
      done.appendChild(text("h3", "Ce que le formulaire a mis en forme"));
      var repaired = document.createElement("ul");
      data.repairs.forEach(function (repair) { repaired.appendChild(text("li", repair.label + " : « " + repair.before + " » → « " + repair.after + " »")); });
      done.appendChild(repaired);
    }
    document.querySelectorAll(".error-summary").forEach(function (node) { node.remove(); });
    form.replaceWith(done);
    done.focus();
  }

  function toYaml(record) {
    // JSON values are valid YAML flow scalars and collections; CI checks the file anyway.
    return "# yaml-language-server: $schema=../../../schemas/" + kind + ".schema.json\n" +
      Object.keys(record).map(function (key) { return key + ": " + JSON.stringify(record[key]); }).join("\n") + "\n";
  }
  function slug(value) {
    return (value || "").normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60);
  }

  form.addEventListener("submit", function (event) {
    var record = buildRecord();
    var action = (form.querySelector("input[name=action]:checked") || form.querySelector("input[name=action]") || {}).value || "create";
    var recordId = (form.elements.record_id || {}).value;
    if (recordId) { record.id = recordId; }
    if (!service) {
      if (!forgeNew) { return; }
      event.preventDefault();
      var id = recordId || ((kind === "event" && record.start ? record.start.slice(0, 10) + "-" : "") + slug(record.name || record.title));
      record.id = id;
      var folder = "content/" + ({ actor: "actors", event: "events", call: "calls" }[kind]) + "/" + (record.commune || "00000");
      location.href = forgeNew.replace("{folder}", encodeURIComponent(folder)).replace("{filename}", encodeURIComponent(id + ".yml")).replace("{value}", encodeURIComponent(toYaml(record)));
      return;
    }
    event.preventDefault();
    var picture = pictureInput && pictureInput.files && pictureInput.files[0];
    status.textContent = picture ? "Envoi de la fiche et de son image…" : "Envoi en cours…";
    var payload = {
      kind: kind, action: action, record: record,
      message: (form.elements.message || {}).value || "",
      contributor: { name: (form.elements.contributor_name || {}).value || "", email: (form.elements.contributor_email || {}).value || "", credit: !!(form.elements.contributor_credit || {}).checked },
      token: tokenInput ? tokenInput.value : "",
      site_web_2: (form.elements.site_web_2 || {}).value || "",
      remove_picture: !!(removePicture && removePicture.checked)
    };
    // With a picture: the same JSON as the « submission » part, the file as the « picture » part.
    var request = { method: "POST", headers: { "Content-Type": "application/json", "Accept": "application/json" }, body: JSON.stringify(payload) };
    if (picture) {
      var parts = new FormData();
      parts.append("submission", JSON.stringify(payload));
      parts.append("picture", picture, picture.name);
      request = { method: "POST", headers: { "Accept": "application/json" }, body: parts };
    }
    fetch(api("/api/submissions"), request)
      .then(function (response) { return response.json().then(function (data) { return { status: response.status, data: data }; }); })
      .then(function (result) {
        status.textContent = "";
        if (result.status === 202) { showDone(result.data); return; }
        if (result.status === 403) { getJSON("/api/form-token").then(function (data) { tokenInput.value = data.token; }).catch(function () {}); }
        showErrors(result.data.message || "Envoi refusé.", result.data.errors, result.data.repairs);
      })
      .catch(function () { status.textContent = "Le service de contribution ne répond pas. Réessayez dans un moment ; rien n'a été perdu de ce que vous avez saisi."; });
  });
})();
