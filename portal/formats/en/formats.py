"""English: 3 Dec 2026, 3 Dec 2026, 20:00, 1,234."""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
# Typed dates are read year first only, as the forms ask (YYYY-MM-DD, or with
# slashes as often written in Japan); Django's defaults also read 12/04/1988
# month first, which is 4 December to one reader and 12 April to another.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d"]
