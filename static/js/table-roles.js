// On a narrow screen the call list and the callbacks board restack their rows as cards (CSS
// display changes), which some browsers take as the end of the table for screen readers.
// Explicit ARIA roles keep each a table there. They are set here rather than in the HTML, where
// they would be redundant (and invalid) for the browsers that keep a table's semantics on their
// own; htmx swaps in new rows, so they are set again after each swap.
(function () {
  var RESTACKED = "table.calls, table.callbacks";
  var ROLES = [
    ["table", "table"],
    ["thead, tbody", "rowgroup"],
    ["tr", "row"],
    ["th[scope=col]", "columnheader"],
    ["th[scope=row]", "rowheader"],
    ["td", "cell"],
  ];
  function mark() {
    document.querySelectorAll(RESTACKED).forEach(function (table) {
      ROLES.forEach(function (pair) {
        var parts = pair[0] === "table" ? [table] : table.querySelectorAll(pair[0]);
        parts.forEach(function (part) { part.setAttribute("role", pair[1]); });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", mark);
  document.addEventListener("htmx:afterSettle", mark);
})();
