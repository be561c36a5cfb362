"""phstats: public-health statistics for the Bromley ward explorer, Fingertips style.

Pure Python (numpy/pandas/scipy); no I/O and no UI. One concern per module:

* :mod:`phstats.intervals`: Wilson, Byar and exact Poisson confidence intervals;
* :mod:`phstats.compare`: better/similar/worse against a comparator, plus colour palettes;
* :mod:`phstats.quantiles`: Fingertips quintiles (or any n groups) within a set of areas;
* :mod:`phstats.hotspots`: multi-indicator hotspot scores;
* :mod:`phstats.polarity`: the polarity vocabulary shared by the others.
"""

from phstats.compare import (
    COMPARISON_COLOURS,
    COMPARISON_COLOURS_CB,
    RESULTS,
    compare,
    compare_frame,
)
from phstats.disclosure import DEFAULT_THRESHOLD, apply_suppression, suppression_mask
from phstats.hotspots import RULES, hotspot_matrix, hotspot_scores, scores_from_matrix
from phstats.intervals import (
    METHODS,
    add_intervals,
    byar,
    exact_poisson,
    rate_interval,
    wilson,
    z_value,
)
from phstats.polarity import POLARITIES
from phstats.quantiles import (
    assign_quantiles,
    quantile_bounds,
    quantile_frame,
    worst_quantile_mask,
)
from phstats.rag_status import rag

__all__ = [
    "COMPARISON_COLOURS",
    "COMPARISON_COLOURS_CB",
    "METHODS",
    "POLARITIES",
    "RESULTS",
    "RULES",
    "add_intervals",
    "assign_quantiles",
    "byar",
    "compare",
    "compare_frame",
    "exact_poisson",
    "hotspot_matrix",
    "hotspot_scores",
    "quantile_bounds",
    "quantile_frame",
    "DEFAULT_THRESHOLD",
    "apply_suppression",
    "suppression_mask",
    "rag",
    "rate_interval",
    "scores_from_matrix",
    "wilson",
    "worst_quantile_mask",
    "z_value",
]
