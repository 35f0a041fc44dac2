"""jpflows Excel functions (``JP_*``), registered with xlwings when imported.

Point xlwings' "UDF Modules" setting at ``udfs`` (or at the workbook's entry module, which imports
this package) and the functions appear under the "jpflows" category.
"""

from udfs.analytics import (JP_DRAWDOWN, JP_HEDGE_COST, JP_HEDGED_SERIES, JP_HEDGED_SPREAD,
                            JP_HEDGED_YIELD, JP_HIGH, JP_IS_RECORD, JP_LOW, JP_RALLY)
from udfs.decorator import REGISTERED
from udfs.discovery import JP_ERROR, JP_INFO, JP_SEARCH, JP_STATUS
from udfs.functions import (JP_CHANGE, JP_FLOW, JP_FLOW_RANK, JP_FLOW_SUM, JP_FLOWS,
                            JP_RELATIVE, JP_SERIES, JP_SPREAD, JP_VALUE)

__all__ = [
    "JP_CHANGE", "JP_DRAWDOWN", "JP_ERROR", "JP_FLOW", "JP_FLOWS", "JP_FLOW_RANK", "JP_FLOW_SUM",
    "JP_HEDGED_SERIES", "JP_HEDGED_SPREAD", "JP_HEDGED_YIELD", "JP_HEDGE_COST", "JP_HIGH",
    "JP_INFO", "JP_IS_RECORD", "JP_LOW", "JP_RALLY", "JP_RELATIVE", "JP_SEARCH", "JP_SERIES", "JP_SPREAD", "JP_STATUS",
    "JP_VALUE", "REGISTERED",
]
