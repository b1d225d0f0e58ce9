"""Policy parameters as dated, region-keyed data (see ``loader``)."""

from jiuzhu.rules.params.loader import (
    Override,
    ParameterError,
    ParameterNode,
    ParameterSet,
    Resolved,
    ValueEntry,
    load_jiangxi,
)
from jiuzhu.rules.params.regions import RegionError, region_chain

__all__ = [
    "Override",
    "ParameterError",
    "ParameterNode",
    "ParameterSet",
    "RegionError",
    "Resolved",
    "ValueEntry",
    "load_jiangxi",
    "region_chain",
]
