// Leave "any" (empty) filters out of live searches, so the URL a practitioner bookmarks stays short.
document.addEventListener("htmx:configRequest", (event) => {
  const formData = event.detail.formData;
  if (!formData) return;
  for (const [key, value] of [...formData.entries()]) {
    if (typeof value === "string" && value.trim() === "") formData.delete(key);
  }
});
