# Spanish as written in the United States: "1 de octubre de 2026", and a decimal
# point ("0.8 millas") as on every price and distance around it; for the rest
# Django's own Spanish formats.
DATE_FORMAT = r"j \d\e F \d\e Y"
MONTH_DAY_FORMAT = r"j \d\e F"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
