"""What the CRM recorded, kept in the process by its last calibration, so every later run can
be read beside reality ("observed" columns in the results dock and the report)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .types import NonNegative, Probability


class Observed(BaseModel):
    """Figures measured on a CRM export over ``start``–``end`` (local dates)."""

    model_config = ConfigDict(extra="forbid")

    #: where they come from, in words: "Salesforce export, 12,400 leads"
    source: str = ""
    start: dt.date
    end: dt.date
    leads_per_week: NonNegative | None = None
    #: "Lead->MQL" -> share of leads reaching MQL that went on (open leads left out)
    conversions: dict[str, Probability] = Field(default_factory=dict)
    #: "Lead->MQL" -> median days between the two stages
    stage_days_p50: dict[str, NonNegative] = Field(default_factory=dict)
    won_per_month: NonNegative | None = None
    #: SLA id -> share of checked clocks breached
    sla_breach: dict[str, Probability] = Field(default_factory=dict)
    #: the holdout validation's verdict when these were stored
    verdict: Literal["green", "amber", "red"] | None = None
