"""Files: ``.lane.json`` processes (and, later, BPMN 2.0). Imports no Qt."""

from .bpmn import ImportReport, export_bpmn, import_bpmn, save_bpmn
from .lanejson import (
    MAX_FILE_BYTES,
    MIGRATIONS,
    ProcessFileError,
    atomic_write_text,
    dumps,
    format_json,
    load_process,
    loads,
    process_from_data,
    save_process,
)

__all__ = [
    "MAX_FILE_BYTES",
    "MIGRATIONS",
    "ImportReport",
    "ProcessFileError",
    "atomic_write_text",
    "dumps",
    "export_bpmn",
    "format_json",
    "import_bpmn",
    "load_process",
    "loads",
    "process_from_data",
    "save_bpmn",
    "save_process",
]
