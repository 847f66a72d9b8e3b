// The When control: a named period ("Last 7 days") and a range of days (From, To) cannot be
// asked together, so choosing a named period, or Latest, clears the days before the form is
// sent (this listener runs in the capture phase, before htmx's own). Without JavaScript the
// server says which to keep; the days show only while Custom is chosen (the stylesheet).
document.addEventListener("change", function (event) {
  var select = event.target;
  if (!select || select.name !== "period" || !select.form) return;
  if (select.value === "custom") return;
  ["from", "to"].forEach(function (name) {
    var input = select.form.elements[name];
    if (input) input.value = "";
  });
}, true);
