"""The privacy office's reports: request metrics, anonymised customer statistics,
their SVG charts and the admin pages that show them."""
