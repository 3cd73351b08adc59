"""The results of a simulation (pydantic), exactly what ``laneforge simulate --json`` writes.

Every figure over replications is a :class:`Stat` (mean, Student-t 95 % interval, min, max);
all times are in hours. Fields beyond DESIGN.md's schema (conversions, costs, work in
progress over time, the cycle-time histogram, the capacity estimate) are additions a chart
or report needs; nothing of the schema is left out.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..model.text import clean_model

RESULTS_FORMAT = "laneforge/results"


class Stat(BaseModel):
    model_config = ConfigDict(frozen=True)

    mean: float
    ci95: tuple[float, float]
    min: float
    max: float
    #: the value of each replication in order (None where it had none), for paired
    #: comparisons between scenarios run with the same seed; not written to JSON, so
    #: results read back from a file compare by their intervals
    samples: tuple[float | None, ...] | None = Field(default=None, exclude=True, repr=False)

    @property
    def half_width(self) -> float:
        return (self.ci95[1] - self.ci95[0]) / 2.0

    def overlaps(self, other: Stat) -> bool:
        """True if the two 95 % intervals overlap (a difference not shown to be real)."""
        return self.ci95[0] <= other.ci95[1] and other.ci95[0] <= self.ci95[1]

    def differs_from(self, base: Stat) -> bool:
        """True when this figure differs significantly from ``base``.

        With per-replication values on both sides (runs sharing seeds: common random
        numbers) the test is paired: the 95 % Student-t interval of the differences
        replication by replication must exclude zero. Without them (results read from JSON)
        the two intervals must not overlap, a stricter test.
        """
        if self.samples is not None and base.samples is not None:
            from .stats import paired_difference

            found = paired_difference(base.samples, self.samples)
            if found is None:
                return False
            mean, low, high = found
            if low == high:  # every replication moved by the same amount
                return mean != 0.0
            return low > 0.0 or high < 0.0
        return not self.overlaps(base)


class CycleTime(BaseModel):
    mean: Stat
    p50: Stat
    p90: Stat


class NodeResult(BaseModel):
    visits: Stat
    wait_hours: Stat
    service_hours: Stat
    queue_max: Stat
    #: the part of the wait inside the lane's working hours (waiting for a free person,
    #: not for the team to come in); equals wait_hours for a lane without a calendar
    working_wait_hours: Stat


class LaneResult(BaseModel):
    #: busy over available staff-hours inside the lane's calendar; null without a staff limit
    utilization: Stat | None
    queue_mean: Stat
    cost: Stat
    #: busy staff-hours in the measured window
    busy_hours: Stat


class SLAResult(BaseModel):
    checked: Stat
    breached: Stat
    breach_rate: Stat


class DataQualityResult(BaseModel):
    """Stale contact data over the measured window (a process with ``data_quality``)."""

    #: contact steps worked (calls, emails) and those that hit an out-of-date record
    contacts: Stat
    wasted_contacts: Stat
    #: wasted over all contacts
    wasted_share: Stat
    #: staff-hours the wasted contacts took, and what they cost (staff time and the
    #: contact steps' own cost)
    wasted_hours: Stat
    wasted_cost: Stat
    #: records restored by cleansing steps and by the periodic batch
    cleansed_by_steps: Stat
    cleansed_by_batch: Stat
    #: what cleansing cost: the batch per record, the cleansing steps' staff time and cost
    cleansing_cost: Stat
    #: per contact step: contacts and wasted contacts
    contacts_by_node: dict[str, Stat] = {}
    wasted_by_node: dict[str, Stat] = {}


class Bottleneck(BaseModel):
    lane: str
    node: str | None
    utilization: float | None
    wait_hours: float
    reason: str
    #: waiting lead-hours per week caused here, the ranking key
    lead_hours_waiting_per_week: float = 0.0
    severity: Literal["critical", "high", "moderate"] = "moderate"


class Series(BaseModel):
    """A quantity over time: mean over replications and a 95 % band."""

    step_hours: float
    mean: list[float]
    lo: list[float]
    hi: list[float]


class Histogram(BaseModel):
    edges: list[float]
    counts: list[float]


class LaneCapacity(BaseModel):
    lane: str
    staff: int | None
    offered_staff: float = Field(description="staff busy on average (offered load in staff)")
    utilization: float | None


class ChannelAttribution(BaseModel):
    """A channel under first- or last-touch attribution: counted leads that reached an
    outcome with this channel as their first (last) touch, the won deals among them, the
    touch cost spent on the channel, and that cost per won deal (None: no deal won)."""

    leads: Stat
    won: Stat
    cost: Stat
    cost_per_won: Stat | None = None


class Attribution(BaseModel):
    """Won deals and cost per won deal by the channel of each lead's first and last touch."""

    first_touch: dict[str, ChannelAttribution]
    last_touch: dict[str, ChannelAttribution]


class CadenceResult(BaseModel):
    """A cadence's figures per replication, for counted leads: leads that entered it,
    touches sent, touches answered, leads that left graduated (answered, or ``until``
    held) and exhausted (every touch sent, no answer)."""

    entered: Stat
    touches: Stat
    responses: Stat
    graduated: Stat
    exhausted: Stat


class Results(BaseModel):
    format: Literal["laneforge/results"] = RESULTS_FORMAT
    version: int = 1
    process: str
    scenario: str | None = None
    replications: int
    seed: int
    horizon_hours: float
    warmup_hours: float
    leads: Stat
    outcomes: dict[str, Stat]
    stages: dict[str, Stat]
    conversions: dict[str, Stat] = {}
    cycle_time_hours: CycleTime
    nodes: dict[str, NodeResult]
    lanes: dict[str, LaneResult]
    slas: dict[str, SLAResult]
    bottlenecks: list[Bottleneck]
    warnings: list[str]
    won: Stat | None = None
    lead_to_won: Stat | None = None
    total_cost: Stat
    cost_per_won: Stat | None = None
    open_at_end: Stat
    wip: Series
    lane_queues: dict[str, Series] = {}
    cycle_histogram: Histogram
    capacity: list[LaneCapacity] = []
    labels: dict[str, dict[str, str]] = {}
    seconds: float = 0.0
    #: the process's currency (ISO 4217); None: the reader's locale decides
    currency: str | None = None
    #: stale contact data and cleansing; None for a process without ``data_quality``
    data_quality: DataQualityResult | None = None
    #: per channel, by first and last touch; only for a process with touches (left out of
    #: the JSON otherwise, so results of processes without touches read as they always did)
    attribution: Attribution | None = None
    #: per cadence node; only for a process with cadences (left out of the JSON otherwise)
    cadences: dict[str, CadenceResult] | None = None
    #: ``simulate(..., outcome_log=True)`` only: per replication (in order) its list of
    #: :class:`~laneforge.sim.record.OutcomeEvent`; not written to the results JSON
    outcome_log: list[list[Any]] | None = Field(default=None, exclude=True)
    #: open items of the snapshot a run started from (``start_from``), per replication
    placed: int = Field(default=0, exclude=True)

    def to_json(self) -> str:
        """The results file's text; always valid UTF-8, whatever the names say."""
        skip = {name for name in ("attribution", "cadences") if getattr(self, name) is None}
        return clean_model(self).model_dump_json(indent=2, exclude=skip or None) + "\n"

    def label(self, kind: str, key: str) -> str:
        return self.labels.get(kind, {}).get(key, key)

    def sla_attainment(self) -> float | None:
        """Share of checked SLA clocks met, over all SLAs (None without SLAs)."""
        checked = sum(s.checked.mean for s in self.slas.values())
        if not checked:
            return None
        return 1.0 - sum(s.breached.mean for s in self.slas.values()) / checked

    def kpis(self) -> dict[str, Any]:
        """The headline figures, as shown in the app's tiles and the CLI's summary."""
        return {
            "leads": self.leads.mean,
            "won": self.won.mean if self.won else None,
            "lead_to_won": self.lead_to_won.mean if self.lead_to_won else None,
            "cycle_p50": self.cycle_time_hours.p50.mean,
            "cycle_p90": self.cycle_time_hours.p90.mean,
            "sla_attainment": self.sla_attainment(),
            "cost_per_won": self.cost_per_won.mean if self.cost_per_won else None,
        }
