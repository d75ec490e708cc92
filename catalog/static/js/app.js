// Leave "any" (empty) filters out of live searches, so the URL a practitioner bookmarks stays short.
document.addEventListener("htmx:configRequest", (event) => {
  const formData = event.detail.formData;
  if (!formData || event.detail.verb !== "get") return;
  for (const [key, value] of [...formData.entries()]) {
    if (typeof value === "string" && value.trim() === "") formData.delete(key);
  }
});

// htmx requests that change data carry the page's CSRF token, as Flask-WTF expects.
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector('meta[name="csrf-token"]');
  if (token && event.detail.verb !== "get") event.detail.headers["X-CSRFToken"] = token.content;
});

// Composer: removing or adding a component re-runs the live check; a new row's concentration gets focus.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-remove-row]");
  if (!button) return;
  button.closest("tr").remove();
  document.body.dispatchEvent(new Event("rowsChanged"));
  // The button is gone: keep the keyboard in the composer, on the ingredient search.
  const search = document.getElementById("ingredient-search");
  if (search) search.focus();
});
document.addEventListener("htmx:afterSwap", (event) => {
  if (event.detail.target.id !== "component-rows") return;
  document.body.dispatchEvent(new Event("rowsChanged"));
  const rows = event.detail.target.querySelectorAll("tr[data-row]");
  const input = rows.length ? rows[rows.length - 1].querySelector("input[inputmode=decimal]") : null;
  if (input) input.focus();
});

// Composer: a live check may answer just after the practitioner ticked the acknowledgement of a critical finding
// (it was asked for before the tick). Its box replaces the old one: keep the tick, and the keyboard on it, when
// it acknowledges the same findings for the same patient (the same key); other findings are asked about again.
let acknowledgementFocused = false;
document.addEventListener("htmx:oobBeforeSwap", (event) => {
  if (event.detail.target.id !== "critical-acknowledgement") return;
  const ticked = event.detail.target.querySelector('input[name="acknowledge_critical"]:checked');
  const incoming = event.detail.fragment.querySelector('input[name="acknowledge_critical"]');
  acknowledgementFocused = event.detail.target.contains(document.activeElement);
  if (ticked && incoming && incoming.value === ticked.value) incoming.setAttribute("checked", "");
});
document.addEventListener("htmx:oobAfterSwap", (event) => {
  if (!acknowledgementFocused || event.detail.target.id !== "critical-acknowledgement") return;
  acknowledgementFocused = false;
  const box = document.getElementById("acknowledge_critical");
  if (box) box.focus();
});

// Composer: ticking the acknowledgement changes nothing the live check reads, so its events stop here rather than
// re-running the check (an hx-trigger filter would need eval, which the Content-Security-Policy forbids).
for (const type of ["change", "input"]) {
  document.addEventListener(
    type,
    (event) => {
      if (event.target.name === "acknowledge_critical") event.stopPropagation();
    },
    true,
  );
}

// Print buttons and links, without inline handlers (the Content-Security-Policy allows none).
document.addEventListener("click", (event) => {
  if (!event.target.closest("[data-print]")) return;
  event.preventDefault();
  window.print();
});

// A page reached by posting a form (a new token shown once) takes its own address: reloading must not post again.
const ownAddress = document.querySelector("[data-replace-url]");
if (ownAddress) history.replaceState(null, "", ownAddress.dataset.replaceUrl);

// Irreversible and clinical actions ask first: a form with data-confirm is sent only once the practitioner agrees,
// with confirmed=1 so the server does not ask again (without JavaScript the server's confirmation page asks).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.dataset || !form.dataset.confirm || form.querySelector('input[name="confirmed"]')) return;
  if (!window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    return;
  }
  const input = document.createElement("input");
  input.type = "hidden";
  input.name = "confirmed";
  input.value = "1";
  form.appendChild(input);
  // The form's data is read as it is sent: a page come back to (the browser's Back) asks again.
  setTimeout(() => input.remove(), 0);
});

// A table wider than its box scrolls sideways: the box then takes the keyboard's focus, so that the arrow keys
// scroll it (WCAG 2.1.1); one that fits is no extra stop for the Tab key.
function focusScrollingBoxes() {
  for (const box of document.querySelectorAll(".overflow-auto")) {
    if (box.scrollWidth > box.clientWidth) box.setAttribute("tabindex", "0");
    else box.removeAttribute("tabindex");
  }
}
focusScrollingBoxes();
window.addEventListener("resize", focusScrollingBoxes);
document.addEventListener("htmx:afterSettle", focusScrollingBoxes);
