// The warning before the idle logout (includes/idle_warning.html): the dialog opens
// data-idle-warning-seconds before the session ends and takes the focus. "Stay logged
// in" (or Escape) posts in the background, so the page and what was typed stay; the
// focus goes back where it was and the count starts again from the server's answer.
// Unanswered until the end, the dialog says the session ended and offers to log in.
(function () {
  "use strict";
  var dialog = document.getElementById("idle-warning");
  if (!dialog || typeof dialog.showModal !== "function") {
    return;
  }
  var warnBefore = Number(dialog.dataset.idleWarningSeconds) * 1000;
  var keepForm = dialog.querySelector("form[data-idle-keep]");
  var open = dialog.querySelector("[data-idle-open]");
  var ended = dialog.querySelector("[data-idle-ended]");
  var warnTimer = null;
  var endTimer = null;
  var returnTo = null;
  var hasEnded = false;

  function schedule(secondsLeft) {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    var left = secondsLeft * 1000;
    warnTimer = setTimeout(warn, Math.max(0, left - warnBefore));
    endTimer = setTimeout(end, left + 1000);
  }

  function warn() {
    if (dialog.open) {
      return;
    }
    returnTo = document.activeElement;
    dialog.showModal();
  }

  function close() {
    dialog.close();
    if (returnTo && returnTo !== document.body && document.contains(returnTo)) {
      returnTo.focus();
    }
    returnTo = null;
  }

  function end() {
    hasEnded = true;
    clearTimeout(warnTimer);
    if (dialog.open) {
      dialog.close();
    }
    Array.prototype.forEach.call(dialog.querySelectorAll("[data-ended-text]"), function (el) {
      el.textContent = el.dataset.endedText;
    });
    open.hidden = true;
    ended.hidden = false;
    // Opened again, so a screen reader reads the new title and text.
    dialog.showModal();
    ended.querySelector("a").focus();
  }

  function keep() {
    fetch(keepForm.action, {
      method: "POST",
      body: new FormData(keepForm),
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().then(function (answer) {
          if (response.ok) {
            close();
            schedule(answer.seconds_left);
          } else {
            end();
          }
        });
      })
      .catch(function () {
        // No answer (offline): the dialog stays open to try again.
      });
  }

  keepForm.addEventListener("submit", function (event) {
    event.preventDefault();
    keep();
  });
  dialog.addEventListener("cancel", function (event) {
    if (hasEnded) {
      return;
    }
    event.preventDefault();
    keep();
  });

  schedule(Number(dialog.dataset.idleSecondsLeft));
})();
