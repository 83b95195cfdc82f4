/* Every admin page with Django's two-list picker (filter_horizontal). The picker names
   each filter box by an aria-label on the search icon inside the box's label, a span
   with no role, which may not carry one (WCAG 4.1.2, axe "aria-prohibited-attr"): the
   boxes had no name. As an image, the icon's text names its label, and so the box. */
(function () {
  "use strict";

  function nameAll() {
    document
      .querySelectorAll(".selector-filter .search-label-icon[aria-label]")
      .forEach(function (icon) {
        icon.setAttribute("role", "img");
      });
  }

  window.addEventListener("load", function () {
    // The picker is drawn by a "load" handler of its own, added before this one;
    // queued behind it all the same.
    window.setTimeout(nameAll, 0);
  });
})();
