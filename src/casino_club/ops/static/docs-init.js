// Starts Swagger UI from a file (not an inline script) so the strict CSP applies to /docs as well.
window.addEventListener("load", () => {
  window.ui = window.SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    persistAuthorization: true,
  });
});
