/* Every admin page with a search-as-you-type picker (Django's autocomplete, select2):
   the picker select2 draws is named after the field's label, which names only the
   hidden <select> (WCAG 4.1.2, axe "aria-input-field-name"); until a value is chosen
   the picker had no name at all. */
(function () {
  "use strict";

  // The select's label; in a table of inline rows, which has none, its column's heading.
  function labelOf(select) {
    var label = document.querySelector('label[for="' + select.id + '"]');
    var cell = select.closest("td");
    var table = select.closest("table");
    if (label || !cell || !table) {
      return label;
    }
    for (var i = 0; i < cell.classList.length; i++) {
      if (cell.classList[i].indexOf("field-") === 0) {
        return table.querySelector("thead th.column-" + cell.classList[i].slice(6));
      }
    }
    return null;
  }

  function name(select) {
    var label = labelOf(select);
    var container = select.nextElementSibling;
    if (!label || !container) {
      return;
    }
    if (!label.id) {
      label.id = select.id + "-label";
    }
    // The label first, then the value chosen (select2 names the picker by the value only).
    var picker = container.querySelector(".select2-selection");
    var rendered = container.querySelector(".select2-selection__rendered");
    if (picker) {
      picker.setAttribute(
        "aria-labelledby", label.id + (rendered && rendered.id ? " " + rendered.id : "")
      );
    }
    if (rendered) {
      rendered.setAttribute("aria-labelledby", label.id);
    }
  }

  function nameAll() {
    document.querySelectorAll("select.admin-autocomplete").forEach(name);
  }

  // A row added to an inline table ("Add another") gets its picker then.
  document.addEventListener("formset:added", function () {
    window.setTimeout(nameAll, 0);
  });

  window.addEventListener("load", function () {
    // The admin draws the pickers in a jQuery "ready" handler, which jQuery runs
    // asynchronously: queued behind it, this runs once they are drawn.
    if (window.django && window.django.jQuery) {
      window.django.jQuery(nameAll);
    } else {
      nameAll();
    }
  });
})();
