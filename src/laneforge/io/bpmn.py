"""BPMN 2.0 in and out: the public functions, shared names, safe reading, flow clean-up."""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..model import ExpressionError, parse_expression
from ..model.geometry import pool_lane_name
from ..model.shapes import Rect
from .lanejson import MAX_FILE_BYTES, ProcessFileError, atomic_write_text

if TYPE_CHECKING:
    from ..model import Process

MODEL = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
#: laneforge's own extension elements: <lf:process>, <lf:lane>, <lf:node>, <lf:edge> hold JSON
LF = "https://laneforge.dev/bpmn/1"
#: the language of exported conditions (laneforge expressions over lead attributes)
LF_EXPRESSION = "https://laneforge.dev/bpmn/1/expression"
PREFIXES = {"bpmn": MODEL, "bpmndi": BPMNDI, "dc": DC, "di": DI, "xsi": XSI, "lf": LF}

#: characters XML 1.0 cannot hold at all (some control characters, U+FFFE, U+FFFF)
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """``text`` with what XML cannot hold replaced by U+FFFD (laneforge's JSON keeps the rest)."""
    return NOT_XML.sub("\ufffd", text)


def clean(text: str | None) -> str:
    """A name as one line, as it survives XML: BPMN tools keep the breaks of wrapped labels."""
    return " ".join(xml_safe(text).split()) if text else ""


def q(namespace: str, name: str) -> str:
    """ElementTree's name for an element or attribute: ``{namespace}name``."""
    return f"{{{namespace}}}{name}"


def split_tag(tag: object) -> tuple[str | None, str]:
    """'{ns}name' -> ('ns', 'name'); comments and processing instructions give (None, '')."""
    if not isinstance(tag, str):
        return None, ""
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return namespace, name
    return None, tag


@dataclass
class ImportReport:
    """What a BPMN import could not carry over exactly; show it to the user after importing."""

    #: approximations to check (gateways turned into probabilities, flattened sub-processes)
    warnings: list[str] = field(default_factory=list)
    #: defaults filled in (task durations, staff, arrival rates) that the user should edit
    notes: list[str] = field(default_factory=list)
    #: elements left out, each as "type id 'name'" (data objects, annotations, message flows)
    unmapped: list[str] = field(default_factory=list)
    #: the tool that wrote the file, as it says (exporter and version), if it says
    exporter: str | None = None
    #: True when the file carries laneforge's own data, so the process was restored from it
    restored: bool = False

    def lines(self) -> list[str]:
        """The report as lines of text, for the command line and the import dialog."""
        out = [f"warning: {w}" for w in self.warnings] + [f"note: {n}" for n in self.notes]
        return out + [f"not imported: {u}" for u in self.unmapped]


def export_bpmn(process: Process) -> str:
    """The process as BPMN 2.0 XML with diagram interchange; laneforge data in extensions."""
    from .bpmn_export import write_bpmn

    return write_bpmn(process)


def save_bpmn(process: Process, path: str | os.PathLike[str]) -> None:
    """Write :func:`export_bpmn` to ``path`` atomically; ProcessFileError if it cannot."""
    text = export_bpmn(process)
    try:
        atomic_write_text(path, text)
    except OSError as exc:
        raise ProcessFileError(path, None, f"cannot save: {exc.strerror or exc}") from None


def import_bpmn(
    source: str | bytes | os.PathLike[str],
) -> tuple[Process, ImportReport]:
    """Read BPMN 2.0 (a path, or the XML itself) into a process and a report of what changed.

    Raises :class:`~laneforge.io.ProcessFileError` for unsafe, malformed or non-BPMN input.
    """
    from .bpmn_import import read_process

    root, path = read_xml(source)
    fallback = Path(path).stem if path else "Imported process"
    return read_process(root, path, fallback)


# --- safe reading ------------------------------------------------------------------------


def _load(source: str | bytes | os.PathLike[str]) -> tuple[str | None, str | bytes]:
    if isinstance(source, bytes | bytearray):
        data: str | bytes = bytes(source)
        path = None
    elif isinstance(source, str) and source.lstrip("\ufeff \t\r\n").startswith("<"):
        data, path = source, None
    else:
        path = os.fspath(source)
        file = Path(path)
        try:
            if file.is_dir():
                raise ProcessFileError(path, None, "is a folder, not a BPMN file")
            size = file.stat().st_size
            if size > MAX_FILE_BYTES:
                raise ProcessFileError(path, None, _too_large(size))
            data = file.read_bytes()
        except FileNotFoundError:
            raise ProcessFileError(path, None, "no such file") from None
        except PermissionError:
            raise ProcessFileError(path, None, "permission denied") from None
        except OSError as exc:
            raise ProcessFileError(path, None, exc.strerror or str(exc)) from None
    if len(data) > MAX_FILE_BYTES:
        raise ProcessFileError(path, None, _too_large(len(data)))
    return path, data


def _too_large(size: int) -> str:
    return (f"the file is {size / 1e6:.1f} MB; BPMN files are limited to "
            f"{MAX_FILE_BYTES // (1024 * 1024)} MB")


def read_xml(source: str | bytes | os.PathLike[str]) -> tuple[ET.Element, str | None]:
    """Parse safely: no DTD entities, no external references, a size limit; check the root."""
    path, data = _load(source)
    try:
        from defusedxml import (
            DefusedXmlException,
            EntitiesForbidden,
            ExternalReferenceForbidden,
        )
        from defusedxml.ElementTree import fromstring
    except ImportError:  # pragma: no cover - declared in the "bpmn" and "test" extras
        raise ProcessFileError(path, None, "reading BPMN needs the 'defusedxml' package: "
                               "pip install 'laneforge[bpmn]'") from None
    try:
        root = fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except EntitiesForbidden as exc:
        if exc.sysid or exc.pubid:
            message = (f"the file declares an external entity {exc.name!r} that points at "
                       f"{exc.sysid or exc.pubid!r}; refused for safety, nothing was read")
        else:
            message = (f"the file declares an XML entity {exc.name!r}; BPMN files never need "
                       "entities and they can blow up memory ('billion laughs'): refused")
        raise ProcessFileError(path, None, message) from None
    except ExternalReferenceForbidden as exc:
        raise ProcessFileError(path, None, f"the file refers to an outside resource "
                               f"{exc.sysid!r}; refused for safety, nothing was read") from None
    except DefusedXmlException as exc:
        raise ProcessFileError(path, None, f"refused for safety: {exc}") from None
    except ET.ParseError as exc:
        line, column = exc.position
        reason = re.sub(r": line \d+, column \d+$", "", str(exc))
        raise ProcessFileError(path, f"line {line} column {column}",
                               f"not well-formed XML ({reason})") from None
    except RecursionError:
        raise ProcessFileError(path, None, "the XML is nested too deeply") from None
    namespace, name = split_tag(root.tag)
    if (namespace, name) != (MODEL, "definitions"):
        found = f"<{name}>" + (f" in namespace {namespace}" if namespace else "")
        raise ProcessFileError(path, None, f"not a BPMN 2.0 file: the root element is {found}, "
                               f"expected <definitions> in namespace {MODEL}")
    return root, path



# --- the flow graph of an import -----------------------------------------------------------


@dataclass
class Node:
    """A BPMN flow node on its way into laneforge; kind 'junction' is contracted away."""

    key: str
    kind: str
    tag: str
    name: str
    proc: str
    box: Rect | None
    lf: dict[str, Any] | None = None
    data: dict[str, Any] = field(default_factory=dict)
    default_flow: str | None = None
    #: the gateway type when a decision only approximates it (parallelGateway, ...)
    approx: str | None = None
    #: ('intermediateThrowEvent' or 'intermediateCatchEvent', link name) for link events
    link: tuple[str, str] | None = None
    #: the activity a boundary event sits on
    attached: str | None = None

    @property
    def label(self) -> str:
        return f"'{self.name}'" if self.name else self.key


@dataclass
class Flow:
    """A sequence flow (key None: an implicit one, such as into a flattened sub-process)."""

    key: str | None
    source: str
    target: str
    name: str
    condition: str | None
    doc: str
    lf: dict[str, Any] | None
    #: a BPMN message flow between pools: the lead is handed over to the other pool
    message: bool = False


def outcome_from(name: str) -> str:
    """An end's outcome from its name: 'Closed lost' -> lost; anything unclear -> done."""
    text = name.lower()
    for pattern, outcome in ((r"disqualif", "disqualified"), (r"\b(lost|lose|loss)\b", "lost"),
                             (r"\b(won|win)\b", "won"), (r"\bduplicate", "duplicate"),
                             (r"\bnurtur", "nurture")):
        if re.search(pattern, text):
            return outcome
    return "done"


def contract(nodes: dict[str, Node], flows: list[Flow], report: ImportReport) -> None:
    """Drop pass-through nodes (merges, sub-process borders, links): their inflows go on."""
    kept: list[Flow] = []
    for flow in flows:
        if flow.source in nodes and flow.target in nodes:
            kept.append(flow)
            continue
        name = f" '{flow.name}'" if flow.name else ""
        report.unmapped.append(f"sequenceFlow {flow.key}{name} (from {flow.source} to "
                               f"{flow.target}, which is not imported)")
    outs: dict[str, list[Flow]] = {}
    ins: dict[str, list[Flow]] = {}
    for flow in kept:
        outs.setdefault(flow.source, []).append(flow)
        ins.setdefault(flow.target, []).append(flow)
    merges = [n for n in nodes.values() if n.lf is None and n.tag.endswith("Gateway")
              and len(outs.get(n.key, [])) == 1]
    for node in merges:
        node.kind = "junction"
    if merges:
        report.notes.append(f"{len(merges)} merging gateway{'s' if len(merges) > 1 else ''} "
                            "(one way out: " + ", ".join(n.label for n in merges[:8])
                            + ") left out; the flows into them go straight on")
    dropped: set[int] = set()
    # one pass is enough: contracting a junction never adds a way out to another one
    for key, node in list(nodes.items()):
        out = outs.get(key, [])
        if node.kind != "junction":
            continue
        if len(out) == 1 and out[0].target != key:
            only, inflows = out[0], ins.pop(key, [])
            onward = ins[only.target]
            onward.remove(only)
            for flow in inflows:
                flow.target = only.target
                flow.name = flow.name or (only.name if len(inflows) == 1 else "")
                flow.message = flow.message or only.message  # it still crosses the pools
            onward += inflows
            dropped.add(id(only))
            del nodes[key]
        elif not out:
            node.kind, node.data = "end", {"outcome": outcome_from(node.name)}
            report.warnings.append(f"{node.tag} {node.label} leads nowhere; it became an end")
        else:
            node.kind = "decision"
    seen: set[tuple[str, str]] = set()
    flows[:] = []
    for flow in kept:
        if id(flow) in dropped:
            continue
        if (flow.source, flow.target) in seen:
            report.warnings.append(f"two flows from {nodes[flow.source].label} to "
                                   f"{nodes[flow.target].label} were merged into one")
            continue
        seen.add((flow.source, flow.target))
        flows.append(flow)


def parse_condition(text: str | None, types: dict[str, str]) -> str | None:
    """A BPMN condition as a laneforge ``when``, or None unless it is one over ``types``."""
    if not text:
        return None
    body = text.strip()
    wrapped = re.fullmatch(r"[$#]\{(.*)\}", body, re.DOTALL)  # ${score > 60} (JUEL)
    body = (wrapped.group(1) if wrapped else body.removeprefix("=")).strip()  # = x > 1 (FEEL)
    try:
        if parse_expression(body).infer_type(types) in ("bool", "any"):
            return body
    except (ExpressionError, SyntaxError, ValueError, RecursionError):
        return None
    return None


_APPROX = {
    "parallelGateway": "parallel gateway {label}: laneforge sends each lead down one path",
    "inclusiveGateway": "inclusive gateway {label} may take several paths; laneforge takes one",
    "eventBasedGateway": "event-based gateway {label}: the first event to happen decides",
    "complexGateway": "complex gateway {label}: laneforge takes one path",
}


def resolve_branches(nodes: dict[str, Node], flows: list[Flow], ids: dict[str, str],
                     types: dict[str, str], report: ImportReport) -> list[dict[str, Any]]:
    """Edges for laneforge: conditions where they are laneforge expressions, else shares."""
    edges: list[dict[str, Any]] = []
    made: dict[int, dict[str, Any]] = {}
    for flow in flows:
        edge = dict(flow.lf) if flow.lf else {}
        edge["from"], edge["to"] = ids[flow.source], ids[flow.target]
        if flow.message and not flow.lf:
            edge["message"] = True
        if flow.name and flow.name != clean(str(edge.get("label") or "")):
            edge["label"] = flow.name
        edges.append(edge)
        made[id(flow)] = edge
    by_source: dict[str, list[Flow]] = {}
    for flow in flows:
        by_source.setdefault(flow.source, []).append(flow)
    for key, outs in by_source.items():
        node = nodes[key]
        if all(f.lf for f in outs):
            continue
        out = [made[id(f)] for f in outs]
        for edge in out:
            for name in ("probability", "when", "default", "decay"):
                edge.pop(name, None)
        if len(outs) > 1:
            _branch(node, outs, out, types, report)
    return edges


def _branch(node: Node, outs: list[Flow], edges: list[dict[str, Any]], types: dict[str, str],
            report: ImportReport) -> None:
    n = len(outs)
    default = [i for i, f in enumerate(outs) if f.key and f.key == node.default_flow]
    share = f"{100 / n:.0f} % each"
    if node.approx:
        report.warnings.append(_APPROX[node.approx].format(label=node.label)
                               + f", so its {n} branches get equal probabilities ({share})")
    else:
        bare = [i for i, f in enumerate(outs) if not f.condition]
        default = default or (bare if len(bare) == 1 else [])
        whens = [parse_condition(f.condition, types) for f in outs]
        if default and all(w for i, w in enumerate(whens) if i != default[0]):
            for i, edge in enumerate(edges):
                edge.update({"default": True} if i == default[0] else {"when": whens[i]})
            return
        shares = [_documented(f.doc) for f in outs]
        others = [p for i, p in enumerate(shares) if i not in default[:1]]
        if None not in others and (abs(sum(others) - 1) < 1e-6 or (default and sum(others) <= 1)):
            for i, edge in enumerate(edges):
                edge.update({"default": True} if i in default[:1] else {"probability": shares[i]})
            return
        conditions = [f.condition for f in outs if f.condition]
        why = (f"conditions such as {conditions[0]!r} are not laneforge expressions over the "
               "declared attributes" if conditions else "its ways out have no conditions")
        report.warnings.append(f"{node.tag} {node.label}: {why}, so its {n} branches get "
                               f"equal probabilities ({share}); edit them")
    each = round(1 / n, 4)
    for i, edge in enumerate(edges):
        if i in default[:1]:
            edge["default"] = True
        elif i == n - 1 and not default:
            edge["probability"] = round(1 - each * (n - 1), 4)
        else:
            edge["probability"] = each


def _documented(text: str) -> float | None:
    """A probability written in a flow's documentation, as laneforge exports it."""
    match = re.search(r"\bprobability\s+([0-9]*\.?[0-9]+(?:e-?[0-9]+)?)", text)
    if not match:
        return None
    value = float(match.group(1))
    return value if 0.0 <= value <= 1.0 else None

__all__ = [
    "BPMNDI",
    "DC",
    "DI",
    "LF",
    "MODEL",
    "Flow",
    "ImportReport",
    "Node",
    "export_bpmn",
    "import_bpmn",
    "pool_lane_name",
    "read_xml",
    "save_bpmn",
    "xml_safe",
]
