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
  const input = rows.length ? rows[rows.length - 1].querySelector("input[type=number]") : null;
  if (input) input.focus();
});
