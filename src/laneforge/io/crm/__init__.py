"""CRM exports (Salesforce, HubSpot, a generic event log, Olist) read into one event log."""

from .eventlog import EventLog, SourceFile
from .mapping import CrmMap

__all__ = ["CrmMap", "EventLog", "SourceFile"]
