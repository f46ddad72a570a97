// Boots Swagger UI for supportd. Kept in its own file (not an inline <script>)
// so the page works under a Content-Security-Policy without 'unsafe-inline'
// for scripts. Everything is served from this binary; validatorUrl: null stops
// Swagger UI from sending the spec to the public online validator.
"use strict";
window.addEventListener("DOMContentLoaded", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    persistAuthorization: true
  });
});
