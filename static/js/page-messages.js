// What the portal says after an action ("Your details are saved.") is in the page
// that follows, and a screen reader would not read it until it got there: the
// focus goes to the messages once the page has loaded, so they are read first and
// Tab continues from there (WCAG 4.1.3). A page that takes the focus itself keeps
// it: an error summary (js/error-summary.js) or a field with autofocus.
(function () {
  "use strict";
  var messages = document.querySelector("[data-page-messages]");
  if (!messages) {
    return;
  }
  if (document.querySelector("[data-error-summary], main [autofocus]")) {
    return;
  }
  if (document.activeElement === document.body || document.activeElement === null) {
    messages.focus();
  }
})();
