/* The legal-hold form: when staff pick another customer, the list of that
   customer's records (the "specific records" checkboxes) is fetched again
   from the add page itself (?subject=<id>), which builds it on the server. */
(function () {
  "use strict";

  function reload(select) {
    var current = document.getElementById("id_records");
    if (!current) {
      return;
    }
    var url = new URL(window.location.href);
    url.searchParams.set("subject", select.value || "");
    current.setAttribute("aria-busy", "true");
    fetch(url.toString(), { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById("id_records");
        if (fresh) {
          current.replaceWith(document.importNode(fresh, true));
        } else {
          current.removeAttribute("aria-busy");
        }
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var select = document.getElementById("id_subject");
    if (!select || !document.getElementById("id_records")) {
      return;
    }
    // The autocomplete (select2) announces a choice through jQuery's events.
    if (window.django && window.django.jQuery) {
      window.django.jQuery(select).on("change", function () { reload(select); });
    } else {
      select.addEventListener("change", function () { reload(select); });
    }
  });
})();
