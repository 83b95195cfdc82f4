"""Japanese: 2026年12月3日, 2026年12月3日 20:00, 1,234."""

DATE_FORMAT = "Y年n月j日"
DATETIME_FORMAT = "Y年n月j日 H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "Y年n月"
MONTH_DAY_FORMAT = "n月j日"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
# Typed dates are read year first only, as the forms ask (YYYY-MM-DD, or with
# slashes as often written in Japan); Django's defaults also read 12/04/1988
# month first, which is 4 December to one reader and 12 April to another.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d"]
