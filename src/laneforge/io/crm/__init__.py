"""CRM exports (Salesforce, HubSpot, a generic event log, Olist) read into one event log,
the MAP.json that ties their words to a process, and writers of the same formats."""

from .common import CrmDataError
from .eventlog import EventLog, SourceFile
from .events import write_events
from .export import FORMATS, classify, detect_format, read_export
from .hubspot_writer import write_hubspot
from .mapping import CrmMap, load_mapping, save_mapping
from .salesforce_writer import DEFAULT_OPPORTUNITY_STAGES, write_salesforce
from .suggest import ambiguous, check_mapping, similarity, suggest_mapping

__all__ = [
    "DEFAULT_OPPORTUNITY_STAGES",
    "FORMATS",
    "CrmDataError",
    "CrmMap",
    "EventLog",
    "SourceFile",
    "ambiguous",
    "check_mapping",
    "classify",
    "detect_format",
    "load_mapping",
    "read_export",
    "save_mapping",
    "similarity",
    "suggest_mapping",
    "write_events",
    "write_hubspot",
    "write_salesforce",
]
