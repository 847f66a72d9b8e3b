// The filter form stays put while htmx refreshes only its error slots (out of band), so keep
// each input in step with its slot: marked invalid and described by the message while there
// is one, and neither once it is fixed. Without JavaScript the server renders both itself.
document.addEventListener("htmx:oobAfterSwap", function (event) {
  var slot = event.target; // the new slot (detail.target is the one it replaced)
  if (!slot || !slot.classList || !slot.classList.contains("field-error")) return;
  var input = document.getElementById(slot.id.replace(/_error$/, ""));
  if (!input) return;
  if (slot.textContent.trim()) {
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", slot.id);
  } else {
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
  }
});
