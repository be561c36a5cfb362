"""What the project publishes: its sources (with attribution) and its indicators.

Plain data, no I/O. The build writes both tables to ``data/`` so the app, the
CLI and every export read attribution and metadata from one place.
"""
from __future__ import annotations

OGL = "Open Government Licence v3.0"
OGL_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
ONS_ATTR = "Source: Office for National Statistics licensed under the Open Government Licence v3.0. Contains OS data © Crown copyright and database right {year}"

# source_id -> (raw file keys, publisher, title, official url, attribution)
SOURCES: dict[str, dict] = {
    "ons_wards_2020": dict(
        raw=["wards2014_geo"], publisher="Office for National Statistics",
        title="Wards (December 2020) Boundaries UK (generalised); Bromley features",
        url="https://geoportal.statistics.gov.uk/", attribution=ONS_ATTR.format(year=2020)),
    "ons_wards_2022": dict(
        raw=["wards2022_geo"], publisher="Office for National Statistics",
        title="Wards (May 2022) Boundaries UK (generalised); Bromley features",
        url="https://geoportal.statistics.gov.uk/", attribution=ONS_ATTR.format(year=2022)),
    "ons_lsoa_2011": dict(
        raw=["lsoa2011_geo"], publisher="Office for National Statistics",
        title="LSOA (December 2011) Boundaries EW (generalised); Bromley features",
        url="https://geoportal.statistics.gov.uk/", attribution=ONS_ATTR.format(year=2011)),
    "ons_lsoa_2021": dict(
        raw=["lsoa2021_geo"], publisher="Office for National Statistics",
        title="LSOA (December 2021) Boundaries EW (generalised); Bromley features",
        url="https://geoportal.statistics.gov.uk/", attribution=ONS_ATTR.format(year=2021)),
    "gla_london_wards_2014": dict(
        raw=["london_wards_geo", "london_wards_dbf", "london_wards_shx", "london_wards_prj"], publisher="Greater London Authority",
        title="Statistical GIS Boundary Files for London: London_Ward (2014 wards)",
        url="https://data.london.gov.uk/dataset/statistical-gis-boundary-files-london",
        attribution="Contains National Statistics data © Crown copyright and database right 2014; Contains Ordnance Survey data © Crown copyright and database right 2014"),
    "ons_lookup_lsoa11_wd20": dict(
        raw=["lookup_lsoa11_wd20"], publisher="Office for National Statistics",
        title="Lower Layer Super Output Area (2011) to Ward (2020) to LAD (2020) Lookup in England and Wales",
        url="https://geoportal.statistics.gov.uk/", attribution=ONS_ATTR.format(year=2020)),
    "ons_lookup_lsoa21_wd25": dict(
        raw=["lookup_lsoa21_wd25"], publisher="Office for National Statistics",
        title="LSOA (2021) to Electoral Ward (2025) to LAD (2025) Best Fit Lookup in EW (v2)",
        url="https://geoportal.statistics.gov.uk/", attribution=ONS_ATTR.format(year=2025)),
    "mhclg_iod2019": dict(
        raw=["iod2019"], publisher="Ministry of Housing, Communities and Local Government (via Greater London Authority)",
        title="English Indices of Deprivation 2019 (GLA London extract 'ID 2019 for London')",
        url="https://www.gov.uk/government/statistics/english-indices-of-deprivation-2019",
        attribution="Contains public sector information licensed under the Open Government Licence v3.0 (MHCLG, English Indices of Deprivation 2019; GLA London Datastore)"),
    "mhclg_iod2025": dict(
        raw=["iod2025"], publisher="Ministry of Housing, Communities and Local Government",
        title="English Indices of Deprivation 2025, File 7: all ranks, scores, deciles and population denominators (Bromley rows)",
        url="https://www.gov.uk/government/statistics/english-indices-of-deprivation-2025",
        attribution="Contains public sector information licensed under the Open Government Licence v3.0 (MHCLG, English Indices of Deprivation 2025)"),
    "gla_ward_atlas": dict(
        raw=["ward_atlas"], publisher="Greater London Authority",
        title="Ward Profiles and Atlas (ward-atlas-data.csv)",
        url="https://data.london.gov.uk/dataset/ward-profiles-and-atlas",
        attribution="Contains public sector information licensed under the Open Government Licence v3.0 (GLA Ward Profiles and Atlas)"),
    "gla_ward_profiles": dict(
        raw=["ward_profiles"], publisher="Greater London Authority",
        title="Ward Profiles 2015 (ward-profiles-excel-version.csv)",
        url="https://data.london.gov.uk/dataset/ward-profiles-and-atlas",
        attribution="Contains public sector information licensed under the Open Government Licence v3.0 (GLA Ward Profiles)"),
    "dfe_cla": dict(
        raw=["cla"], publisher="Department for Education",
        title="Children looked after in England including adoptions, reporting year 2023: number and rate per 10,000 children",
        url="https://explore-education-statistics.service.gov.uk/find-statistics/children-looked-after-in-england-including-adoptions",
        attribution="Contains public sector information licensed under the Open Government Licence v3.0 (DfE)"),
    "dfe_neet": dict(
        raw=["neet"], publisher="Department for Education (via OHID Fingertips, tidied by Trafford Data Lab)",
        title="16-17 year olds not in education, employment or training (NEET) and NEET or not known",
        url="https://www.gov.uk/government/collections/statistics-neet",
        attribution="Contains public sector information licensed under the Open Government Licence v3.0 (DfE; Trafford Data Lab)"),
    "dwp_cilif": dict(
        raw=["la_child_poverty"], publisher="Department for Work and Pensions (tidied by Trafford Data Lab)",
        title="Children in low income families: local area statistics (relative low income, aged 0-15)",
        url="https://www.gov.uk/government/collections/children-in-low-income-families-local-area-statistics",
        attribution="Contains public sector information licensed under the Open Government Licence v3.0 (DWP; Trafford Data Lab)"),
    "ohid_ncmp_la": dict(
        raw=["la_obese_reception", "la_obese_year6"], publisher="OHID Fingertips, National Child Measurement Programme (tidied by Trafford Data Lab)",
        title="Reception and Year 6 prevalence of obesity (including severe obesity), annual, local authority",
        url="https://fingertips.phe.org.uk/profile/national-child-measurement-programme",
        attribution="Contains public sector information licensed under the Open Government Licence v3.0 (OHID, NCMP; Trafford Data Lab)"),
    "ons_census2021_ts007a": dict(
        raw=["census_ts007a"], publisher="Office for National Statistics",
        title="Census 2021 TS007A: Age by five-year age bands (LSOA)",
        url="https://www.nomisweb.co.uk/sources/census_2021_bulk",
        attribution="Source: Office for National Statistics licensed under the Open Government Licence v3.0 (Census 2021)"),
    "illustrative": dict(
        raw=["cla", "neet", "iod2025", "census_ts007a"], publisher="Bromley Ward Explorer (generated)",
        title="ILLUSTRATIVE ward NEET and children looked after: modelled from real borough totals, ward child population and IDACI 2025 (not observed data)",
        url="", attribution="Illustrative figures generated by this project from OGL sources; not official statistics"),
}

# Indicator metadata. polarity: low_is_good | high_is_good | no_judgement.
# hotspot_polarity: the direction that marks need when finding hotspots (no_judgement: never a hotspot
# indicator). It equals polarity except for cla_rate, where a high rate marks need but is not "worse".
# interval: wilson | byar_exact | none (no counts published).
INDICATORS: list[dict] = [
    dict(id="idaci", name="Child income deprivation (IDACI)", unit="%", multiplier=100.0,
         polarity="low_is_good", interval="wilson", headline=True,
         definition="Income Deprivation Affecting Children Index: percentage of children aged 0-15 living in income-deprived families. Ward values aggregate LSOA scores weighted by children aged 0-15 (sum of score x children / sum of children).",
         why="Child poverty drives most children's outcomes; IDACI is the only small-area measure for all of England, so it locates need within Bromley.",
         source_ids="mhclg_iod2019,mhclg_iod2025",
         caveats="IoD2019 and IoD2025 scores are NOT directly comparable: the 2025 income measures changed (Bromley's LSOA mean score rose from 12% to 21% while fewer LSOAs fell in England's most deprived deciles); compare ranks and deciles across the two. IoD2019 mostly uses 2015/16 data; IoD2025 mostly 2021/22-2023/24. The 2025 numerator is derived as score x children (mid-2022). LSOA-to-ward lookups are best fit, so ward totals are exact aggregations of whole LSOAs."),
    dict(id="idaci_most_deprived_20", name="Children in England's most deprived 20% (IDACI)", unit="%", multiplier=100.0,
         polarity="low_is_good", interval="none", headline=False,
         definition="Percentage of a ward's children aged 0-15 living in LSOAs in the most deprived 20% of England on IDACI (national deciles 1-2).",
         why="Shows how concentrated child deprivation is: a ward can have an average score but pockets in England's worst fifth.",
         source_ids="mhclg_iod2019,mhclg_iod2025",
         caveats="A share of children by LSOA decile: not a sampled proportion, so no confidence interval is given."),
    dict(id="child_poverty", name="Children in poverty (under 16)", unit="%", multiplier=100.0,
         polarity="low_is_good", interval="none", headline=False,
         definition="Ward: percentage of children under 16 in families receiving out-of-work benefits or tax credits with income below 60% of median (HMRC, via GLA ward atlas). Local authority: percentage of children aged 0-15 in relative low income families (DWP).",
         why="Child poverty is a priority of Bromley's Children and Young People's Plan.",
         source_ids="gla_ward_atlas,dwp_cilif",
         caveats="The ward series (HMRC, 2006-2012, 2014 wards) and the LA series (DWP relative low income, 2017/18 onward) are different measures and are not comparable with each other. Percentages only: no counts, so no intervals."),
    dict(id="children_out_of_work", name="Children in out-of-work benefit households", unit="%", multiplier=100.0,
         polarity="low_is_good", interval="wilson", headline=False,
         definition="Children aged 0-18 living in households claiming out-of-work benefits, as a percentage of all children 0-18 (DWP via GLA ward atlas).",
         why="A ward-level count of children in workless households, with intervals.",
         source_ids="gla_ward_atlas",
         caveats="Counts are rounded to the nearest 5 by DWP; the denominator is derived from the published count and rate."),
    dict(id="obesity_reception", name="Obesity: Reception (age 4-5)", unit="%", multiplier=100.0,
         polarity="low_is_good", interval="none", headline=True,
         definition="Percentage of children in Reception classified as obese (NCMP). Ward values are 3-year pooled; local authority values are annual and include severe obesity.",
         why="Excess weight in childhood tracks into adulthood; the NCMP is the only measured (not self-reported) ward-level health indicator for children.",
         source_ids="gla_ward_atlas,gla_ward_profiles,ohid_ncmp_la",
         caveats="Ward figures are 3-year pooled (latest 2011/12-2013/14) on 2014 wards, percentages only (no counts published in this source), so no intervals and no significance tests at ward level."),
    dict(id="obesity_year6", name="Obesity: Year 6 (age 10-11)", unit="%", multiplier=100.0,
         polarity="low_is_good", interval="none", headline=True,
         definition="Percentage of children in Year 6 classified as obese (NCMP). Ward values are 3-year pooled; local authority values are annual and include severe obesity.",
         why="Year 6 obesity is roughly double Reception's: the gap shows what happens during primary school.",
         source_ids="gla_ward_atlas,gla_ward_profiles,ohid_ncmp_la",
         caveats="As for Reception: 3-year pooled ward percentages without counts, so no ward intervals."),
    dict(id="child_population", name="Children aged 0-15", unit="count", multiplier=1.0,
         polarity="no_judgement", interval="none", headline=False,
         definition="Dependent children aged 0-15 (mid-2015 from IoD2019 denominators; mid-2022 from IoD2025 denominators), aggregated from LSOAs.",
         why="Context: the denominator for child rates and the size of each ward's child population.",
         source_ids="mhclg_iod2019,mhclg_iod2025", caveats="Mid-year estimates used by the Indices of Deprivation (excluding prisoners)."),
    dict(id="census_children_0_14", name="Children aged 0-14 (Census 2021)", unit="count", multiplier=1.0,
         polarity="no_judgement", interval="none", headline=False,
         definition="Usual residents aged 0-14 at Census 2021 (sum of the 0-4, 5-9 and 10-14 bands), aggregated from LSOAs 2021.",
         why="Context from the Census, with the age bands available as breakdowns.",
         source_ids="ons_census2021_ts007a", caveats="Census five-year bands do not give 0-15 exactly."),
    dict(id="cla_rate", name="Children looked after (rate per 10,000)", unit="per 10,000", multiplier=10000.0,
         polarity="no_judgement", interval="byar_exact", headline=True,
         definition="Children looked after at 31 March per 10,000 children aged 0-17 (DfE SSDA903).",
         why="A statutory measure of the care system's size; Bromley's scrutiny committee reviews it against statistical neighbours.",
         source_ids="dfe_cla,illustrative",
         caveats="Published for local authorities only. Ward figures shown by default are ILLUSTRATIVE (modelled), until the council loads its own extract. A lower rate is not automatically better: as in Bromley's 2024 scrutiny dataset (polarity n/a, 'not a target measure', expected broadly in line with London and statistical neighbours) and Fingertips, comparisons say higher/lower, not better/worse. For finding ward hotspots a higher rate counts as higher need."),
    dict(id="neet", name="16-17 year olds NEET", unit="%", multiplier=100.0,
         polarity="low_is_good", interval="wilson", headline=True,
         definition="Percentage of 16-17 year olds known to the local authority who are not in education, employment or training (annual average December-February).",
         why="NEET at 16-17 predicts later unemployment; a target in Bromley's scrutiny dataset.",
         source_ids="dfe_neet,illustrative",
         caveats="LA values are published as percentages without counts (no intervals). Ward figures shown by default are ILLUSTRATIVE (modelled), until the council loads its own extract."),
    dict(id="neet_or_not_known", name="16-17 year olds NEET or activity not known", unit="%", multiplier=100.0,
         polarity="low_is_good", interval="none", headline=False,
         definition="Percentage of 16-17 year olds known to the local authority who are NEET or whose activity is not known.",
         why="Counts the young people the council has lost track of as well as those known to be NEET.",
         source_ids="dfe_neet", caveats="LA level only; percentages without counts."),
]
INDICATOR_IDS = [i["id"] for i in INDICATORS]

# Bromley's ten statistical neighbours as named in the project brief (DfE children's services neighbours).
STAT_NEIGHBOURS = [
    "Trafford", "Hertfordshire", "Bracknell Forest", "Sutton", "Stockport",
    "Bedford", "Oxfordshire", "Solihull", "Hampshire", "Central Bedfordshire",
]
for _i in INDICATORS:
    _i["hotspot_polarity"] = "low_is_good" if _i["id"] == "cla_rate" else _i["polarity"]
    # IoD2019 and IoD2025 scores use different income measures: no change is claimed between them.
    _i["trend_comparable"] = not _i["id"].startswith("idaci")
    # Counts of identifiable young people that councils hold (and public mode suppresses when small).
    # IoD numerators are modelled from public data and DWP counts are already published rounded.
    _i["disclosive"] = _i["id"] in ("neet", "cla_rate")
