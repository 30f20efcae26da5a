// Starts Swagger UI on /api/v1/docs. An external file because the site's CSP allows no
// inline script. Signed in, "Try it out" sends the CSRF token the session needs.
const root = document.getElementById("swagger-ui");
const csrfToken = root.dataset.csrfToken;

window.SwaggerUIBundle({
  url: root.dataset.openapiUrl,
  dom_id: "#swagger-ui",
  presets: [window.SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  deepLinking: true,
  validatorUrl: null,
  requestInterceptor: (request) => {
    if (csrfToken) {
      request.headers["X-CSRFToken"] = csrfToken;
    }
    return request;
  },
});
