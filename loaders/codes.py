"""Area codes the app refers to by name."""
BROMLEY = "E09000006"
LONDON = "E12000007"
OUTER_LONDON = "E13000002"
ENGLAND = "E92000001"

AREA_TYPES = ["lsoa2011", "lsoa2021", "ward2014", "ward2022", "la", "region", "country"]
GEOGRAPHIES = ["ward2014", "ward2022", "lsoa2011", "lsoa2021", "la"]  # what users choose between
POLARITIES = ["low_is_good", "high_is_good", "no_judgement"]
INTERVALS = ["wilson", "byar_exact", "none"]
