"""All SQL in the project. Every value from a user is a bound ``$parameter``;
nothing here is ever built with string formatting.

Tables (loaded by :class:`loaders.store.Store`): ``vals`` (the values, with any
local extracts merged in), ``areas``, ``indicators``, ``sources``, ``lookups``.
"""

# DuckDB's allocator keeps up to 128 MiB (512 MiB after bulk frees) of freed memory per process for reuse; a
# small in-memory database serving many short queries is better off giving it back (benchmarks/soak.py).
SETTINGS = """
SET allocator_flush_threshold = '16MiB';
SET allocator_bulk_deallocation_flush_threshold = '16MiB';
SET threads = 1;  -- queries here are small; each DuckDB thread keeps buffers of its own
"""

LOAD = {
    "base_values": "CREATE TABLE base_values AS SELECT * FROM read_parquet($path)",
    "areas": "CREATE TABLE areas AS SELECT * FROM read_parquet($path)",
    "indicators": "CREATE TABLE indicators AS SELECT * FROM read_parquet($path)",
    "sources": "CREATE TABLE sources AS SELECT * FROM read_parquet($path)",
    "lookups": "CREATE TABLE lookups AS SELECT * FROM read_parquet($path)",
}

LOAD_LOCAL = "CREATE TABLE local_values AS SELECT * FROM read_parquet($paths, union_by_name = true)"
ADD_SOURCE = """
INSERT INTO sources (source_id, publisher, title, url, licence, attribution, raw_file, sha256)
VALUES ($source_id, $publisher, $title, $url, $licence, $attribution, $raw_file, $sha256)
"""
EMPTY_LOCAL = "CREATE TABLE local_values AS SELECT * FROM base_values WHERE false"

# Extracts loaded before NEET took DfE's own period (the December-February average published as "2024" is
# 2023/24: loaders.periods.for_indicator) kept "2024" as January-December, or "2023/24" as April-March. They are
# read with the published series' label and dates ($ids: the December-February indicators), so a council's
# file lines up with it without being reloaded. A year or a year pair only; months and pooled periods keep theirs.
RELABEL_DEC_FEB = """
UPDATE local_values SET
    period = printf('%d/%02d', y - 1, y % 100),
    period_start = make_date(y - 1, 12, 1),
    period_end = make_date(y, 3, 1) - INTERVAL 1 DAY
FROM (
    SELECT DISTINCT period AS old,
        CASE WHEN regexp_full_match(period, '[0-9]{4}') THEN CAST(period AS INTEGER)
             ELSE CAST(left(period, 4) AS INTEGER) + 1 END AS y
    FROM local_values
    WHERE list_contains($ids, indicator_id)
      AND (regexp_full_match(period, '[0-9]{4}') OR regexp_full_match(period, '[0-9]{4}/[0-9]{2}'))
) AS relabel
WHERE local_values.period = relabel.old AND list_contains($ids, local_values.indicator_id)
"""

# Local indicators the council defined (data/local/indicators.json, a registered relation ``local_defs``) join the
# catalogue's indicators once an extract of theirs is loaded; a catalogue id is never redefined.
ADD_LOCAL_INDICATORS = """
INSERT INTO indicators BY NAME
SELECT * FROM local_defs
WHERE indicator_id IN (SELECT indicator_id FROM local_values)
  AND indicator_id NOT IN (SELECT indicator_id FROM indicators)
"""

# How a council's own extract merges with the built values, per indicator and geography (ward scheme):
# - an ILLUSTRATIVE series is replaced whole: every period of it goes, the council's periods are shown;
# - a published (or estimated) series is replaced only where the council's figures cover it: the same ward and
#   period (and breakdown); the published figures for other wards and periods stay, and the council's periods the
#   publication lacks are added. Each row keeps its own source (the council's: local_<indicator>).
# Rows of an indicator the Store does not know (a local indicator whose definition was removed) are left out.
MERGE = """
CREATE VIEW vals AS
SELECT b.* FROM base_values b
WHERE NOT EXISTS (
    SELECT 1 FROM local_values l
    WHERE l.indicator_id = b.indicator_id AND l.area_type = b.area_type
      AND (b.is_illustrative OR (l.area_code = b.area_code AND l.period = b.period AND l.breakdown = b.breakdown)))
UNION ALL BY NAME
SELECT l.* FROM local_values l WHERE l.indicator_id IN (SELECT indicator_id FROM indicators)
"""

# A local indicator's ward rows, for Bromley's value (the sum of the extract's ward counts): $ids, list.
LOCAL_WARD_ROWS = """
SELECT * FROM local_values
WHERE list_contains($ids, indicator_id) AND area_type IN ('ward2014', 'ward2022') AND breakdown = 'All'
ORDER BY indicator_id, area_type, period, area_code
"""
ADD_LOCAL_TOTALS = "INSERT INTO local_values BY NAME SELECT * FROM local_totals"
BROMLEY_WARDS = "SELECT area_type, area_code FROM areas WHERE is_bromley AND area_type IN ('ward2014', 'ward2022')"

# Labels follow the data: a catalogue indicator with council rows lists the council's extract among its sources;
# once no illustrative row of it is left, it no longer lists the illustrative source, and the caveat sentences
# about ILLUSTRATIVE ward figures give way to one saying whose figures they are.
LOCAL_PROVENANCE = """
UPDATE indicators AS i SET
    source_ids = array_to_string(list_concat(
        CASE WHEN EXISTS (SELECT 1 FROM vals v WHERE v.indicator_id = i.indicator_id AND v.is_illustrative)
             THEN string_split(i.source_ids, ',')
             ELSE list_filter(string_split(i.source_ids, ','), lambda x: x <> 'illustrative') END,
        (SELECT list(DISTINCT l.source_id) FROM local_values l WHERE l.indicator_id = i.indicator_id)), ','),
    caveats = CASE
        WHEN EXISTS (SELECT 1 FROM vals v WHERE v.indicator_id = i.indicator_id AND v.is_illustrative) THEN i.caveats
        ELSE trim(regexp_replace(i.caveats, '[^.]*ILLUSTRATIVE[^.]*[.]\\s*', '', 'g'))
    END || ' Ward figures the council has loaded come from its own extract (see Sources).'
WHERE i.indicator_id IN (SELECT indicator_id FROM local_values) AND NOT starts_with(i.source_ids, 'local_')
"""

# The generated ILLUSTRATIVE source names the series still modelled once a council extract replaced one of them.
ILLUSTRATIVE_SOURCE = """
UPDATE sources SET title = regexp_replace(title, '^ILLUSTRATIVE ward [^:]*:', 'ILLUSTRATIVE ward figures for ' || (
    SELECT string_agg(i.name, ' and ' ORDER BY i.indicator_id) FROM indicators i
    WHERE EXISTS (SELECT 1 FROM vals v WHERE v.indicator_id = i.indicator_id AND v.is_illustrative)) || ':')
WHERE source_id = 'illustrative'
  AND EXISTS (SELECT 1 FROM vals v WHERE v.is_illustrative)
  AND EXISTS (SELECT 1 FROM base_values b JOIN local_values l USING (indicator_id, area_type) WHERE b.is_illustrative)
"""

INDICATORS = """
SELECT i.*, s.periods, s.geographies, s.latest_period
FROM indicators i
LEFT JOIN (
    SELECT indicator_id,
           string_agg(DISTINCT period, ', ' ORDER BY period) AS periods,
           string_agg(DISTINCT area_type, ', ' ORDER BY area_type) AS geographies,
           arg_max(period, period_start) AS latest_period
    FROM vals GROUP BY indicator_id
) s USING (indicator_id)
ORDER BY NOT i.headline, i.indicator_id
"""

# Which (period, geography) pairs have data for an indicator in Bromley, newest first.
OPTIONS = """
SELECT v.period, v.area_type AS geography, min(v.period_start) AS period_start,
       bool_or(v.is_illustrative) AS illustrative, bool_or(v.is_estimate) AS estimate,
       count(*) AS n
FROM vals v JOIN areas a ON a.area_code = v.area_code AND a.area_type = v.area_type
WHERE v.indicator_id = $indicator AND a.is_bromley AND v.breakdown = 'All'
GROUP BY v.period, v.area_type
ORDER BY period_start DESC, geography
"""

# One indicator, one period, all Bromley areas of one geography (or all London wards).
VALUES = """
SELECT v.indicator_id, v.area_code, a.area_name, v.area_type, v.period, v.period_start, v.period_end,
       v.value, v.numerator, v.denominator, v.lower95, v.upper95, v.lower998, v.upper998,
       v.national_decile, v.is_illustrative, v.is_estimate, v.is_suppressed, v.note, v.source_id,
       v.published_comparison,
       a.parent_code
FROM vals v JOIN areas a ON a.area_code = v.area_code AND a.area_type = v.area_type
WHERE v.indicator_id = $indicator AND v.period = $period AND v.area_type = $geography
  AND v.breakdown = $breakdown AND (a.is_bromley OR NOT $bromley_only)
ORDER BY v.value DESC NULLS LAST, v.area_code
"""

# Borough, region and national values for the same indicator and period.
COMPARATORS = """
SELECT v.area_code, a.area_name, v.area_type, v.value, v.lower95, v.upper95, v.lower998, v.upper998,
       v.numerator, v.denominator, v.source_id, v.note
FROM vals v JOIN areas a ON a.area_code = v.area_code AND a.area_type = v.area_type
WHERE v.indicator_id = $indicator AND v.period = $period AND v.breakdown = 'All'
  AND v.area_code IN ('E09000006', 'E12000007', 'E13000002', 'E92000001')
  AND v.area_type IN ('la', 'region', 'country')
ORDER BY v.area_code
"""

# Time series for a list of areas: one indicator, or every indicator when $indicator is NULL
# (a whole ward profile in one query).
SERIES = """
SELECT v.indicator_id, v.area_code, a.area_name, v.area_type, v.period, v.period_start, v.period_end,
       v.value, v.numerator, v.denominator, v.lower95, v.upper95, v.lower998, v.upper998,
       v.is_illustrative, v.is_estimate, v.is_suppressed, v.note, v.source_id, v.published_comparison
FROM vals v JOIN areas a ON a.area_code = v.area_code AND a.area_type = v.area_type
WHERE ($indicator IS NULL OR v.indicator_id = $indicator) AND list_contains($codes, v.area_code)
  AND v.breakdown = 'All'
ORDER BY v.indicator_id, v.area_code, v.area_type, v.period_start
"""

# Rank of each London ward (1 = highest value) for series published for every London ward: the ward atlas
# (2014 wards) and DWP child poverty (2022/2024 wards). Estimates (Bromley's wards only) are not ranked.
LONDON_RANK = """
SELECT v.area_code, v.area_type,
       rank() OVER (PARTITION BY v.area_type ORDER BY v.value DESC) AS london_rank,
       count(*) OVER (PARTITION BY v.area_type) AS london_wards
FROM vals v
WHERE v.indicator_id = $indicator AND v.period = $period AND v.area_type IN ('ward2014', 'ward2022')
  AND NOT v.is_estimate AND v.breakdown = 'All' AND v.value IS NOT NULL
"""

# Areas with a series for an indicator: Bromley's wards, Bromley, London, England and the statistical neighbours
# (of either DfE model).
TREND_AREAS = """
SELECT DISTINCT a.area_code, a.area_name, a.area_type, a.is_stat_neighbour
FROM vals v JOIN areas a ON a.area_code = v.area_code AND a.area_type = v.area_type
WHERE v.indicator_id = $indicator AND v.breakdown = 'All'
  AND ((a.is_bromley AND a.area_type IN ('ward2014', 'ward2022'))
       OR a.area_code IN ('E09000006', 'E12000007', 'E13000002', 'E92000001') OR a.is_stat_neighbour
       OR (a.area_type = 'la' AND a.area_code IN (SELECT neighbour_code FROM neighbours WHERE la_code = 'E09000006')))
ORDER BY a.area_type, a.area_name
"""

AREAS = """
SELECT area_code, area_name, area_type, parent_code, is_bromley, is_stat_neighbour
FROM areas WHERE area_type = $area_type AND (is_bromley OR NOT $bromley_only)
ORDER BY area_name
"""

AREA = "SELECT area_code, area_name, area_type, parent_code FROM areas WHERE area_code = $code ORDER BY area_type"


# DfE statistical neighbour models (neighbours.parquet; optional: an older data folder has none).
LOAD_NEIGHBOURS = "CREATE TABLE neighbours AS SELECT * FROM read_parquet($path)"
EMPTY_NEIGHBOURS = """
CREATE TABLE neighbours (model VARCHAR, la_code VARCHAR, rank BIGINT, neighbour_code VARCHAR, closeness VARCHAR,
                         la_number BIGINT, neighbour_number BIGINT)
"""
NEIGHBOUR_MODELS = "SELECT DISTINCT model FROM neighbours ORDER BY model"
# One LA's neighbours in one model, closest first.
MODEL_NEIGHBOURS = """
SELECT n.rank, n.neighbour_code AS area_code, a.area_name, n.closeness
FROM neighbours n JOIN areas a ON a.area_code = n.neighbour_code AND a.area_type = 'la'
WHERE n.model = $model AND n.la_code = $la
ORDER BY n.rank
"""
# One indicator and period for an LA and its neighbours in one model (the LA itself first).
NEIGHBOUR_VALUES = """
SELECT a.area_code, a.area_name, v.value, v.numerator, v.denominator, v.lower95, v.upper95,
       a.area_code = $la AS is_self
FROM areas a LEFT JOIN vals v ON v.area_code = a.area_code AND v.area_type = 'la'
     AND v.indicator_id = $indicator AND v.period = $period AND v.breakdown = 'All'
WHERE a.area_type = 'la' AND (a.area_code = $la OR a.area_code IN (
    SELECT neighbour_code FROM neighbours WHERE model = $model AND la_code = $la))
ORDER BY NOT is_self, a.area_name
"""

SOURCES = "SELECT * FROM sources ORDER BY source_id, raw_file"

COUNT_VALUES = "SELECT count(*) AS n FROM vals"

ALL_VALUES = """
SELECT v.*, a.area_name FROM vals v
JOIN areas a ON a.area_code = v.area_code AND a.area_type = v.area_type
ORDER BY v.indicator_id, v.area_type, v.area_code, v.period_start, v.breakdown
"""

# The full dataset written by DuckDB straight to a file (no copy of every row in pandas): ALL_VALUES, with the
# rows public mode hides (a ``hidden`` relation of keys registered on the cursor) blanked in the public version.
EXPORT = """
COPY (
SELECT v.*, a.area_name FROM vals v
JOIN areas a ON a.area_code = v.area_code AND a.area_type = v.area_type
ORDER BY v.indicator_id, v.area_type, v.area_code, v.period_start, v.breakdown
) TO $path (FORMAT $fmt)
"""
EXPORT_PUBLIC = """
COPY (
SELECT v.* REPLACE (
         CASE WHEN h.area_code IS NULL THEN v.value END AS value,
         CASE WHEN h.area_code IS NULL THEN v.numerator END AS numerator,
         CASE WHEN h.area_code IS NULL THEN v.lower95 END AS lower95,
         CASE WHEN h.area_code IS NULL THEN v.upper95 END AS upper95,
         CASE WHEN h.area_code IS NULL THEN v.lower998 END AS lower998,
         CASE WHEN h.area_code IS NULL THEN v.upper998 END AS upper998,
         v.is_suppressed OR h.area_code IS NOT NULL AS is_suppressed,
         CASE WHEN v.source_id LIKE 'local\\_%' ESCAPE '\\' THEN 'LOCAL EXTRACT (notes are not shown in public mode)'
              ELSE v.note END AS note),
       a.area_name
FROM vals v
JOIN areas a ON a.area_code = v.area_code AND a.area_type = v.area_type
LEFT JOIN hidden h ON h.indicator_id = v.indicator_id AND h.area_code = v.area_code AND h.area_type = v.area_type
                  AND h.period = v.period
ORDER BY v.indicator_id, v.area_type, v.area_code, v.period_start, v.breakdown
) TO $path (FORMAT $fmt)
"""
EXPORT_FORMATS = ("csv", "parquet")

# The counts public mode looks at: the disclosive indicators' rows, and the rows of any council extract (counts the
# council holds about its residents, whatever the indicator).
DISCLOSIVE_COUNTS = """
SELECT v.indicator_id, v.area_code, v.area_type, v.period, v.breakdown, v.numerator
FROM vals v JOIN indicators i ON i.indicator_id = v.indicator_id
WHERE i.disclosive OR v.source_id LIKE 'local\\_%' ESCAPE '\\'
ORDER BY v.indicator_id, v.area_type, v.area_code, v.period_start, v.breakdown
"""
