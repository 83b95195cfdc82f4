/* The API's interactive docs (/api/v1/docs): ninja's Swagger UI, whose calls are sent
   without cookies. The API authenticates by key alone and refuses a request that
   carries any cookie; the staff member's session would otherwise go with every call
   made from this page, and each would be refused. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("swagger-settings").textContent);
  config.dom_id = "#swagger-ui";
  config.presets = [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset];
  config.requestInterceptor = function (request) {
    request.credentials = "omit";
    return request;
  };
  SwaggerUIBundle(config);
})();
