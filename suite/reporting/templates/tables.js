/* suite site: sortable and filterable tables, no library. Without JavaScript every table is a
   plain table. Click a column header to sort by it (again: the other way; numbers by value, words
   by text, empty cells last); a table with data-filter, or more than FILTER_ROWS rows, gets a
   search box above it that keeps the rows holding every word typed. Texts are only read
   (textContent), never written as HTML. */
(function () {
  "use strict";
  var FILTER_ROWS = 10;

  function number(text) {
    var match = /^[-+\u2212]?(\d[\d,]*\.?\d*|\.\d+)(e[-+]?\d+)?/i.exec(text);
    return match ? parseFloat(match[0].replace("\u2212", "-").replace(/,/g, "")) : NaN;
  }

  function compare(a, b) {  // ascending; the caller flips it, but not for empty cells
    var x = number(a), y = number(b);
    if (!isNaN(x) && !isNaN(y)) return x - y;
    if (!isNaN(x) !== !isNaN(y)) return isNaN(x) ? 1 : -1;  // numbers before words
    return a.localeCompare(b, undefined, {numeric: true, sensitivity: "base"});
  }

  function cell(row, index) {
    return row.cells[index] ? row.cells[index].textContent.trim() : "";
  }

  function sortable(table) {
    var body = table.tBodies[0], headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", function () {
        var down = th.getAttribute("aria-sort") === "ascending";
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r, s) {
          var a = cell(r, index), b = cell(s, index);
          if (!a || !b) return (!a) - (!b);
          return down ? compare(b, a) : compare(a, b);
        });
        rows.forEach(function (row) { body.appendChild(row); });
        Array.prototype.forEach.call(headers, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", down ? "descending" : "ascending");
      });
    });
  }

  function filterable(table) {
    var rows = table.tBodies[0].rows, box = document.createElement("input");
    var count = document.createElement("span"), label = table.getAttribute("data-filter") || "filter rows";
    box.type = "search";
    box.className = "table-filter";
    box.placeholder = label;
    box.setAttribute("aria-label", label);
    count.className = "small filter-count";
    box.addEventListener("input", function () {
      var words = box.value.toLowerCase().split(/\s+/).filter(Boolean), shown = 0;
      Array.prototype.forEach.call(rows, function (row) {
        var text = row.textContent.toLowerCase();
        row.hidden = !words.every(function (word) { return text.indexOf(word) >= 0; });
        shown += !row.hidden;
      });
      count.textContent = words.length ? " " + shown + " of " + rows.length + " rows" : "";
    });
    table.parentNode.insertBefore(box, table);
    table.parentNode.insertBefore(count, table);
  }

  Array.prototype.forEach.call(document.querySelectorAll("main table"), function (table) {
    if (!table.tHead || !table.tBodies.length || table.tHead.rows.length !== 1
        || table.querySelector("tbody [rowspan], tbody [colspan]")) return;  // a plain table stays plain
    sortable(table);
    if (table.hasAttribute("data-filter") || table.tBodies[0].rows.length > FILTER_ROWS) filterable(table);
  });
})();
