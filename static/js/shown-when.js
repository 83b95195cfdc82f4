// A part of a form that matters for one answer to a question of the same form (a
// group of radio buttons) only: <div data-shown-when="capacity=agent">. It is hidden
// until that answer is chosen, and hidden again when another is. Without JavaScript
// it stays on the form, and its help text says when it applies.
(function () {
  "use strict";
  document.querySelectorAll("[data-shown-when]").forEach(function (part) {
    var rule = part.getAttribute("data-shown-when").split("=");
    var form = part.closest("form");
    if (!form || rule.length !== 2) {
      return;
    }
    var group = "input[type=radio][name='" + rule[0] + "']";
    function update() {
      var chosen = form.querySelector(group + ":checked");
      part.hidden = !chosen || chosen.value !== rule[1];
    }
    form.querySelectorAll(group).forEach(function (radio) {
      radio.addEventListener("change", update);
    });
    update();
  });
})();
