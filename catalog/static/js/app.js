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
