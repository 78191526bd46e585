# Dates spelled out ("October 1, 2026"), for the rest Django's own English formats.
DATE_FORMAT = "F j, Y"
MONTH_DAY_FORMAT = "F j"
