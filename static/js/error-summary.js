// The error summary of a form that failed: move the focus to it once the page
// has loaded (where the browser did not honour autofocus), and make each of its
// links put the focus in the field it names, with the field's label in view.
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (!summary) {
    return;
  }
  if (document.activeElement === document.body || document.activeElement === null) {
    summary.focus();
  }
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) {
      return;
    }
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (!field) {
      return;
    }
    event.preventDefault();
    var legend = field.closest("fieldset");
    var label = document.querySelector("label[for='" + field.id + "']");
    var shown = (legend && legend.querySelector("legend")) || label || field;
    shown.scrollIntoView();
    field.focus({ preventScroll: true });
  });
})();
