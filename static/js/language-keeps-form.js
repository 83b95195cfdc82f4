// Switching the language reloads the page: what the person had typed in the page's
// forms would be gone. The language buttons keep it in this tab's sessionStorage
// for the page they return to, which fills it back in once and forgets it.
// A form marked data-keep-typing (the request forms) is kept the same way when the
// page is left other than by sending it, and filled back in only when the person
// reloads the page: Chromium does not restore typed text on a reload by itself.
// Passwords, files, hidden fields and one-time codes are never kept. Loaded with
// defer before the page's other scripts, so they see the restored answers when
// they start.
(function () {
  "use strict";
  var KEY = "portal-language-switch-form";
  var MAX_AGE_MS = 10 * 60 * 1000;

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (field) {
      return (
        field.name &&
        !/^(hidden|password|file|submit|button|reset)$/.test(field.type) &&
        field.autocomplete !== "one-time-code"
      );
    });
  }

  function forms() {
    return document.querySelectorAll("main form[method=post], main form[method=POST]");
  }

  function keep(event, only) {
    var kept = [];
    Array.prototype.forEach.call(forms(), function (form, index) {
      if (only && !only(form)) {
        return;
      }
      fields(form).forEach(function (field) {
        if (field.type === "checkbox" || field.type === "radio") {
          if (field.checked !== field.defaultChecked) {
            kept.push([index, field.name, field.value, field.checked]);
          }
        } else if (field.tagName === "SELECT") {
          Array.prototype.forEach.call(field.options, function (option) {
            if (option.selected !== option.defaultSelected) {
              kept.push([index, field.name, option.value, option.selected]);
            }
          });
        } else if (field.value !== field.defaultValue) {
          kept.push([index, field.name, field.value, null]);
        }
      });
    });
    if (!kept.length) {
      return;
    }
    try {
      sessionStorage.setItem(
        KEY,
        JSON.stringify({
          path: location.pathname + location.search,
          at: Date.now(),
          kept: kept,
          reload: Boolean(only),
        })
      );
    } catch (error) {
      // Storage refused (private mode, full): the page reloads as before.
    }
  }

  function restore() {
    var stored;
    try {
      stored = JSON.parse(sessionStorage.getItem(KEY) || "null");
      sessionStorage.removeItem(KEY);
    } catch (error) {
      return;
    }
    if (!stored || stored.path !== location.pathname + location.search) {
      return;
    }
    if (Date.now() - stored.at > MAX_AGE_MS) {
      return;
    }
    if (stored.reload && !reloaded()) {
      return;
    }
    var all = forms();
    stored.kept.forEach(function (entry) {
      var form = all[entry[0]];
      if (!form) {
        return;
      }
      fields(form).forEach(function (field) {
        if (field.name !== entry[1]) {
          return;
        }
        if (field.type === "checkbox" || field.type === "radio") {
          if (field.value === entry[2]) {
            field.checked = entry[3];
          }
        } else if (field.tagName === "SELECT") {
          Array.prototype.forEach.call(field.options, function (option) {
            if (option.value === entry[2]) {
              option.selected = entry[3];
            }
          });
        } else if (entry[3] === null) {
          field.value = entry[2];
        }
      });
    });
  }

  function reloaded() {
    var entries = window.performance && performance.getEntriesByType
      ? performance.getEntriesByType("navigation")
      : [];
    return entries.length > 0 && entries[0].type === "reload";
  }

  var switching = false;
  var sending = false;
  var switcher = document.querySelector("form.lang-switch");
  if (switcher) {
    switcher.addEventListener("submit", function (event) {
      switching = true;
      keep(event);
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("form[data-keep-typing]"), function (form) {
    form.addEventListener("submit", function () {
      sending = true;
    });
  });
  window.addEventListener("pagehide", function (event) {
    if (!switching && !sending) {
      keep(event, function (form) {
        return form.hasAttribute("data-keep-typing");
      });
    }
  });
  restore();
})();
