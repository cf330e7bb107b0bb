/* Evidence table: sorting and filtering, added on top of a complete HTML table.
 *
 * Progressive enhancement: without this script the table (rendered at build time by
 * src/ucmsc/evidence.py) is complete and readable. With it, sortable column headers
 * (th[data-sort]) get buttons and aria-sort, and filters by cell source, route and
 * evidence-strength label, and a "Sort by" menu, appear above the table. On narrow screens the
 * style sheet shows each row as a card and hides the header row; the menu sorts the cards
 * (the same rows), so sorting works there too. No third-party code.
 * If Material's instant navigation is turned on (the site does not use it; a test fixture does),
 * pages are replaced without a reload, so the set-up runs on every page view through Material's
 * document$ observable (see the end of this file).
 */
(function () {
  "use strict";

  var FILTERS = [
    { key: "source", label: "Cell source" },
    { key: "route", label: "Route" },
    { key: "label", label: "Evidence strength" }
  ];

  function cellValue(row, index, type) {
    var cell = row.children[index];
    var raw = cell.hasAttribute("data-sort-value") ? cell.getAttribute("data-sort-value") : cell.textContent;
    if (type === "number") {
      var n = parseFloat(raw);
      return isNaN(n) ? -Infinity : n;
    }
    return raw.trim().toLocaleLowerCase();
  }

  // header null: back to the order of the data file.
  function sortBy(table, header, direction) {
    var headers = table.tHead.rows[0].cells;
    var index = header ? Array.prototype.indexOf.call(headers, header) : -1;
    var type = header ? header.getAttribute("data-sort") : "number";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var sign = direction === "descending" ? -1 : 1;
    rows.sort(function (a, b) {
      var order = 0;
      if (header) {
        var x = cellValue(a, index, type);
        var y = cellValue(b, index, type);
        order = type === "number" ? x - y : x.localeCompare(y);
      }
      if (order === 0) order = (Number(a.dataset.order) - Number(b.dataset.order)) * sign;
      return order * sign;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(headers, function (th) {
      if (th === header) th.setAttribute("aria-sort", direction);
      else th.removeAttribute("aria-sort");
    });
  }

  // A labelled <select> in its wrapper (a filter, or the "Sort by" menu).
  function labelledSelect(id, text, into) {
    var wrapper = document.createElement("div");
    wrapper.className = "evidence-table__filter";
    var label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = text;
    var select = document.createElement("select");
    select.id = id;
    wrapper.appendChild(label);
    wrapper.appendChild(select);
    into.appendChild(wrapper);
    return select;
  }

  function addSortButtons(table) {
    var headers = table.tHead.querySelectorAll("th[data-sort]");
    Array.prototype.forEach.call(headers, function (th) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "evidence-table__sort";
      button.textContent = th.textContent;
      var icon = document.createElement("span");
      icon.className = "evidence-table__sort-icon";
      icon.setAttribute("aria-hidden", "true");
      button.appendChild(icon);
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var next = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
        sortBy(table, th, next);
        var menu = document.getElementById(table.id + "-sort");
        if (menu) menu.value = th.getAttribute("data-field") + ":" + next;
      });
    });
  }

  function addFilters(table, container) {
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var box = document.createElement("div");
    box.className = "evidence-table__filters";
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", "Filter the studies");
    var status = document.createElement("p");
    status.className = "evidence-table__status";
    status.setAttribute("role", "status");
    var selects = [];

    function apply() {
      var shown = 0;
      rows.forEach(function (row) {
        var match = selects.every(function (select) {
          return !select.value || row.getAttribute("data-" + select.name) === select.value;
        });
        row.hidden = !match;
        if (match) shown += 1;
      });
      status.textContent = "Showing " + shown + " of " + rows.length + " studies.";
    }

    FILTERS.forEach(function (filter) {
      var values = [];
      rows.forEach(function (row) {
        var v = row.getAttribute("data-" + filter.key);
        if (v && values.indexOf(v) < 0) values.push(v);
      });
      values.sort(function (a, b) { return a.localeCompare(b); });
      var select = labelledSelect(table.id + "-filter-" + filter.key, filter.label, box);
      select.name = filter.key;
      select.appendChild(new Option("All", ""));
      values.forEach(function (v) { select.appendChild(new Option(v, v)); });
      select.addEventListener("change", apply);
      selects.push(select);
    });
    sortMenu(table, box);
    box.appendChild(status);
    container.insertBefore(box, container.firstChild);
    apply();
  }

  // "Sort by" menu: the header buttons' choices in one control, usable when the header row
  // is hidden (cards on narrow screens).
  function sortMenu(table, box) {
    var select = labelledSelect(table.id + "-sort", "Sort by", box);
    select.appendChild(new Option("Order of the table", ""));
    var headers = table.tHead.querySelectorAll("th[data-sort]");
    Array.prototype.forEach.call(headers, function (th) {
      var name = th.textContent.trim();
      var number = th.getAttribute("data-sort") === "number";
      var field = th.getAttribute("data-field");
      if (field === "design") name = "Number of patients";
      select.appendChild(new Option(name + (number ? ", fewest first" : ", A to Z"), field + ":ascending"));
      select.appendChild(new Option(name + (number ? ", most first" : ", Z to A"), field + ":descending"));
    });
    select.addEventListener("change", function () {
      var parts = select.value.split(":");
      var th = parts[0] ? table.tHead.querySelector("th[data-field='" + parts[0] + "']") : null;
      sortBy(table, th, parts[1] || "ascending");
    });
  }

  function enhance(root) {
    var tables = (root || document).querySelectorAll("table.evidence-table__table");
    Array.prototype.forEach.call(tables, function (table) {
      if (table.dataset.enhanced || !table.tHead || !table.tBodies.length) return;
      table.dataset.enhanced = "true";
      var container = table.closest(".evidence-table") || table.parentNode;
      addFilters(table, container);  // before the buttons: the menu reads the header names
      addSortButtons(table);
    });
  }

  // Written into the page with the table only, right after it (src/ucmsc/evidence.py). It runs
  //  - on a full page load: while the page is parsed, before Material's bundle, which
  //    overrides/main.html starts after the first paint and then announces with a second
  //    DOMContentLoaded. Set-up enhances the table at the first DOMContentLoaded and subscribes
  //    to document$ at the one after the bundle;
  //  - after an instant navigation: Material re-inserts the page's scripts, and document$ exists.
  // Once subscribed, Material's document$ observable calls enhance() after every instant
  // navigation, so a second run of this file (arriving at the page again) does nothing.
  // enhance() skips a table it has already enhanced.
  if (window.__evidenceTableReady) return;
  window.__evidenceTableReady = true;

  function start() {
    enhance(document);
    if (window.document$ && typeof window.document$.subscribe === "function") {
      window.document$.subscribe(function () { enhance(document); });
    } else {
      document.addEventListener("DOMContentLoaded", start, { once: true });
    }
  }

  if (window.document$ || document.readyState !== "loading") start();
  else document.addEventListener("DOMContentLoaded", start, { once: true });
})();
