"""MAP.json: how a CRM's words (statuses, sources, owners, activity types) name a process's
stages, nodes and lanes. Every key is optional; see "Calibration from CRM data" in DESIGN.md.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class CrmMap(BaseModel):
    """The mapping file. Keys are the CRM's values unless noted."""

    model_config = ConfigDict(extra="forbid")

    format: str | None = None  # "salesforce" | "hubspot" | "events" | "olist"; None: detect
    #: process stage name -> the CRM statuses / stages that mean it
    stages: dict[str, list[str]] = Field(default_factory=dict)
    #: CRM lead source -> source node id
    sources: dict[str, str] = Field(default_factory=dict)
    #: owner id, or "role:<role>" -> lane id
    owners: dict[str, str] = Field(default_factory=dict)
    #: CRM final status / stage -> end node id
    outcomes: dict[str, str] = Field(default_factory=dict)
    #: CRM status that means "the lead is at this node" (a delay, a task) -> node id
    nodes: dict[str, str] = Field(default_factory=dict)
    #: CRM activity type -> task node id
    activities: dict[str, str] = Field(default_factory=dict)
    #: IANA zone the export's local times are in
    timezone: str = "UTC"
