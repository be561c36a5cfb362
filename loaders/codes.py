"""The app's vocabulary: area codes it names, geographies and ward schemes, comparators, confidence
levels, polarities, interval methods and data statuses. Everything else imports these from here."""

BROMLEY = "E09000006"
LONDON = "E12000007"
ENGLAND = "E92000001"

AREA_TYPES = ["lsoa2011", "lsoa2021", "ward2014", "ward2022", "la", "region", "country"]
GEOGRAPHIES = ["ward2014", "ward2022", "lsoa2011", "lsoa2021", "la"]  # what users choose between
POLARITIES = ["low_is_good", "high_is_good", "no_judgement"]
INTERVALS = ["wilson", "byar_exact", "none"]
GEOGRAPHY_LABELS = {
    "ward2022": "Wards (2022-)",
    "ward2014": "Wards (2014-2022)",
    "lsoa2021": "LSOAs (2021)",
    "lsoa2011": "LSOAs (2011)",
    "la": "Local authority",
}
WARD_SCHEMES = ("ward2022", "ward2014")  # current first
SCHEME_LABELS = {"ward2022": "2022 wards (current)", "ward2014": "2014-2022 wards"}
COMPARATORS = {"bromley": BROMLEY, "london": LONDON, "england": ENGLAND}
COMPARATOR_LABELS = {"bromley": "Bromley", "london": "London", "england": "England"}
LEVELS = {"95": 0.95, "99.8": 0.998}  # confidence levels offered, as they appear in URLs
DATA_STATUSES = ("published", "ESTIMATE", "ILLUSTRATIVE", "SUPPRESSED")  # a row's status, as tables show it

# Bromley's 22 wards in each scheme: 2014 (WD14-WD20 codes) and 2022 (WD22, unchanged in WD25).
WARDS_2014 = [f"E05000{n}" for n in range(106, 128)]
WARDS_2022 = [f"E0501{n:04d}" for n in range(3987, 4009)]
