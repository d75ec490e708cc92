// The API documentation: Swagger UI started from a file, as the Content-Security-Policy allows no inline script.
document.addEventListener("DOMContentLoaded", () => {
  const container = document.getElementById("swagger-ui-container");
  window.ui = SwaggerUIBundle({
    url: container.dataset.specUrl,
    dom_id: "#swagger-ui-container",
    validatorUrl: null,
    ...JSON.parse(container.dataset.config || "{}"),
  });
});
