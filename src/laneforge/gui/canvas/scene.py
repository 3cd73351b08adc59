"""The swim-lane scene: one item per lane, node and edge, kept in step with the model.

The scene never owns process data. It builds items from the document's process, listens
to the document's change announcements and re-lays out (cheap: pure geometry), and turns
user gestures (drag, connect, place, reorder, resize) into undo commands.
"""

from __future__ import annotations

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPen, QTransform
from PySide6.QtWidgets import (
    QGraphicsLineItem,
    QGraphicsScene,
    QGraphicsSceneMouseEvent,
)

from ...model import MISSING, Change, Lane, NodeBase, Phase, Problem, validate
from ...model.geometry import (
    HEADER_WIDTH,
    Diagram,
    NodeBox,
    Rect,
    edge_specs,
    layout_diagram,
)
from ...model.routing import route_edges
from ...render.diagram import node_markers
from ...render.painter import LaneDecor
from ...render.theme import LIGHT, Theme
from ..commands import (
    MacroCommand,
    MoveLaneCommand,
    MoveNodesCommand,
    SetValueCommand,
    connect_command,
    new_node,
)
from ..document import Document
from ..selection import Selection
from .edge_item import EdgeItem
from .lane_item import LaneItem
from .node_item import NodeItem
from .phase_header_item import PhaseHeaderItem
from .phase_item import PhaseItem
from .pool_item import PoolItem

MARGIN = 60.0
VALIDATION_DELAY_MS = 150


class DiagramScene(QGraphicsScene):
    selection_changed_to = Signal(object)  # Selection
    rename_requested = Signal(str, object)  # "node" | "lane" | "edge", key
    problems_changed = Signal(object)  # list[Problem]
    place_finished = Signal()

    def __init__(self, document: Document, theme: Theme = LIGHT, parent=None) -> None:
        super().__init__(parent)
        self.document = document
        self.theme = theme
        self.editable = True
        self.snap_enabled = True
        self.grid = 10.0
        self.diagram: Diagram | None = None
        self.lane_items: dict[str, LaneItem] = {}
        self.pool_items: dict[str, PoolItem] = {}
        self.node_items: dict[str, NodeItem] = {}
        self.edge_items: dict[tuple[str, str], EdgeItem] = {}
        self.phase_items: dict[str, PhaseItem] = {}
        self.phase_header_items: dict[str, PhaseHeaderItem] = {}
        self._tracked_views: list = []
        self.problems: list[Problem] = []
        self.lane_loads: dict[str, float] = {}
        self.node_extras: dict[str, dict] = {}  # results: tint and badges per node
        self.lane_tints: dict[str, QColor] = {}
        self.place_kind: str | None = None
        self._connect_from: str | None = None
        self._connector: QGraphicsLineItem | None = None
        self._connect_target: str | None = None
        self._drag_start: dict[str, QPointF] = {}
        self._drop_line: QGraphicsLineItem | None = None
        self._validate_timer = QTimer(self)
        self._validate_timer.setSingleShot(True)
        self._validate_timer.setInterval(VALIDATION_DELAY_MS)
        self._validate_timer.timeout.connect(self.refresh_problems)
        self.selectionChanged.connect(self._on_selection_changed)
        self._connect_document()
        self.rebuild()

    # --- document ------------------------------------------------------------------------
    @property
    def process(self):
        return self.document.process

    def _connect_document(self) -> None:
        self.document.changed.connect(self._on_document_changed)
        self.document.reset.connect(self.rebuild)

    def set_document(self, document: Document) -> None:
        self.document.changed.disconnect(self._on_document_changed)
        self.document.reset.disconnect(self.rebuild)
        self.document = document
        self._connect_document()
        self.rebuild()

    def node_model(self, node_id: str) -> NodeBase | None:
        try:
            return self.process.node(node_id)
        except KeyError:
            return None

    def lane_model(self, lane_id: str) -> Lane | None:
        try:
            return self.process.lane(lane_id)
        except KeyError:
            return None

    def phase_model(self, phase_id: str) -> Phase | None:
        return next((p for p in self.process.phases if p.id == phase_id), None)

    def _on_document_changed(self, change: Change) -> None:
        renamed = change.kind in ("node_renamed", "lane_renamed")
        selection = self.selection() if renamed else None
        self.relayout()
        if selection is not None:  # the item under its new id stays selected
            old, new = change.detail, change.key
            self.select(Selection(
                nodes=tuple(new if n == old else n for n in selection.nodes)
                if change.kind == "node_renamed" else selection.nodes,
                edges=tuple((new if a == old else a, new if b == old else b)
                            for a, b in selection.edges)
                if change.kind == "node_renamed" else selection.edges,
                lanes=tuple(new if ln == old else ln for ln in selection.lanes)
                if change.kind == "lane_renamed" else selection.lanes,
            ))
        self._validate_timer.start()

    # --- building and laying out items -------------------------------------------------------
    def rebuild(self) -> None:
        for item in [*self.lane_items.values(), *self.pool_items.values(),
                     *self.node_items.values(),
                     *self.edge_items.values(), *self.phase_items.values(),
                     *self.phase_header_items.values()]:
            self.removeItem(item)
        self.lane_items.clear()
        self.pool_items.clear()
        self.node_items.clear()
        self.edge_items.clear()
        self.phase_items.clear()
        self.phase_header_items.clear()
        self.relayout()
        self.refresh_problems()

    def relayout(self) -> None:
        """Bring items in line with the model: add, remove and move them."""
        selected = self.selection()
        diagram = layout_diagram(self.process)
        self.diagram = diagram
        self.blockSignals(True)
        try:
            for key, items, boxes, make in (
                ("lane", self.lane_items, {b.id: b for b in diagram.lanes}, LaneItem),
                ("pool", self.pool_items, {b.id: b for b in diagram.pools}, PoolItem),
                ("phase", self.phase_items, {b.id: b for b in diagram.phases}, PhaseItem),
                ("phase", self.phase_header_items, {b.id: b for b in diagram.phases},
                 PhaseHeaderItem),
                ("node", self.node_items, diagram.nodes, NodeItem),
                ("edge", self.edge_items, diagram.edges, EdgeItem),
            ):
                for gone in set(items) - set(boxes):
                    self.removeItem(items.pop(gone))
                for item_key, box in boxes.items():
                    item = items.get(item_key)
                    if item is None:
                        item = make(item_key, box)
                        items[item_key] = item
                        self.addItem(item)
                    elif key == "edge":
                        item.set_route(box)
                    else:
                        item.set_box(box)
            self._apply_decorations()
        finally:
            self.blockSignals(False)
        # outside the blocked signals: the view must hear that the scene grew (scroll bars)
        bounds = diagram.bounds
        self.setSceneRect(QRectF(bounds.x - MARGIN, bounds.y - MARGIN,
                                 bounds.w + 2 * MARGIN + 400, bounds.h + 2 * MARGIN + 200))
        if selected != self.selection():
            self._on_selection_changed()
        self.track_views()
        self.update_sticky_headers()
        self.update()

    # --- phase headers that stay in view ---------------------------------------------------
    def track_views(self) -> None:
        """Follow the scrolling of every view, so the phase headers stay at its top."""
        views = self.views()
        if views == self._tracked_views:
            return
        for view in views:
            if view not in self._tracked_views:
                view.verticalScrollBar().valueChanged.connect(self.update_sticky_headers)
        self._tracked_views = list(views)
        self.update_sticky_headers()

    def update_sticky_headers(self, *_args) -> None:
        views = self.views()
        top = views[0].mapToScene(0, 0).y() if views else None
        for item in self.phase_header_items.values():
            item.set_view_top(top)

    def _apply_decorations(self) -> None:
        markers = node_markers(self.process)
        errors = {p.node: p.severity for p in self.problems if p.node and p.severity == "error"}
        warnings = {p.node: p.severity for p in self.problems if p.node}
        edge_problems: dict[tuple[str, str], str] = {}
        for problem in self.problems:
            if problem.edge and edge_problems.get(problem.edge) != "error":
                edge_problems[problem.edge] = problem.severity
        for node_id, item in self.node_items.items():
            decor = markers.get(node_id)
            if decor is None:
                continue
            decor.problem = errors.get(node_id) or warnings.get(node_id)
            extra = self.node_extras.get(node_id, {})
            decor.tint = extra.get("tint")
            decor.badges = list(extra.get("badges", []))
            decor.queue = extra.get("queue")
            item.prepareGeometryChange()
            item.decor = decor
            item.update()
        messages = {edge.key for edge in self.process.edges if edge.message}
        for key, item in self.edge_items.items():
            item.problem = edge_problems.get(key)
            item.message = key in messages
            item.update()
        for lane_id, item in self.lane_items.items():
            item.decor = LaneDecor(load=self.lane_loads.get(lane_id),
                                   tint=self.lane_tints.get(lane_id))
            item.update()

    def refresh_problems(self) -> None:
        self.problems = validate(self.process)
        self._apply_decorations()
        self.problems_changed.emit(self.problems)

    def set_lane_loads(self, loads: dict[str, float]) -> None:
        self.lane_loads = dict(loads)
        self._apply_decorations()

    def set_results_decorations(self, nodes: dict[str, dict], lanes: dict[str, QColor]) -> None:
        self.node_extras = dict(nodes)
        self.lane_tints = dict(lanes)
        self._apply_decorations()

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.setBackgroundBrush(QColor(theme.canvas))
        self.update()

    # --- selection -----------------------------------------------------------------------
    def selection(self) -> Selection:
        nodes, edges, lanes = [], [], []
        for item in self.selectedItems():
            if isinstance(item, NodeItem):
                nodes.append(item.node_id)
            elif isinstance(item, EdgeItem):
                edges.append(item.key)
            elif isinstance(item, LaneItem):
                lanes.append(item.lane_id)
        order = {n.id: i for i, n in enumerate(self.process.nodes)}
        nodes.sort(key=lambda n: order.get(n, 0))
        return Selection(tuple(nodes), tuple(edges), tuple(lanes))

    def select(self, selection: Selection) -> None:
        self.blockSignals(True)
        self.clearSelection()
        for node_id in selection.nodes:
            if node_id in self.node_items:
                self.node_items[node_id].setSelected(True)
        for key in selection.edges:
            if key in self.edge_items:
                self.edge_items[key].setSelected(True)
        for lane_id in selection.lanes:
            if lane_id in self.lane_items:
                self.lane_items[lane_id].setSelected(True)
        self.blockSignals(False)
        self._on_selection_changed()

    def _on_selection_changed(self) -> None:
        self.selection_changed_to.emit(self.selection())

    # --- dragging nodes ------------------------------------------------------------------
    def node_dragged(self, node_id: str) -> None:
        """Re-route the edges of a node that is being dragged (the model is unchanged yet)."""
        if self.diagram is None:
            return
        boxes: dict[str, NodeBox] = {}
        for item_id, item in self.node_items.items():
            boxes[item_id] = item.scene_box() if item.isSelected() or item_id == node_id \
                else item.box
        # the lanes right of their headers, as layout_diagram routes them (phase headers sit
        # above y = 0 and are no room for connectors)
        routes = route_edges(boxes, edge_specs(self.process),
                             Rect(0.0, 0.0, self.diagram.width, self.diagram.bounds.bottom))
        for key, item in self.edge_items.items():
            if key in routes:
                item.set_route(routes[key])

    def _finish_drag(self) -> None:
        moved: dict[str, tuple[tuple[float, float], str]] = {}
        diagram = self.diagram
        if diagram is None:
            return
        for node_id, start in self._drag_start.items():
            item = self.node_items.get(node_id)
            if item is None or item.pos() == start:
                continue
            center = item.pos()
            lane = diagram.lane_at(center.y())
            if lane is None:
                lane = diagram.lanes[0] if center.y() < 0 else diagram.lanes[-1]
            y_in_lane = max(30.0, center.y() - lane.top)
            moved[node_id] = ((round(center.x(), 1), round(y_in_lane, 1)), lane.id)
        self._drag_start.clear()
        if not moved:
            self.relayout()
            return
        # a node dropped into another column joins that phase, in the same undo step
        phases: dict[str, str] = {}
        for node_id, ((x, _), _) in moved.items():
            column = diagram.phase_at(x)
            node = self.node_model(node_id)
            if column is not None and node is not None and node.phase != column.id:
                phases[node_id] = column.id
        if not phases:
            self.document.apply(MoveNodesCommand(self.document, moved))
            return
        move = MoveNodesCommand(self.document, moved)
        macro = MacroCommand(move.text())
        macro.add(move)
        for node_id, phase_id in phases.items():
            label = self.phase_model(phase_id)
            SetValueCommand(self.document, f"nodes.{node_id}.phase", phase_id,
                            f"Put in phase '{label.label if label else phase_id}'", parent=macro)
        self.document.apply(macro)

    # --- placing, connecting -----------------------------------------------------------------
    def start_place(self, kind: str | None) -> None:
        self.place_kind = kind

    def add_node_at(self, kind: str, scene_pos: QPointF) -> str | None:
        """Place a new node where the user clicked or dropped; returns its id."""
        diagram = self.diagram
        if diagram is None or not self.process.lanes or not self.editable:
            return None
        lane = diagram.lane_at(scene_pos.y())
        if lane is None:
            lane = diagram.lanes[0] if scene_pos.y() < 0 else diagram.lanes[-1]
        x = max(40.0, scene_pos.x())
        y = min(max(40.0, scene_pos.y() - lane.top), lane.height - 30.0)
        if self.snap_enabled:
            x, y = round(x / self.grid) * self.grid, round(y / self.grid) * self.grid
        node = new_node(self.process, kind, lane.id, (x, y))
        column = diagram.phase_at(x)
        if column is not None:  # a new node belongs to the column it is placed in
            node = node.model_copy(update={"phase": column.id})
        from ..commands import AddNodeCommand

        self.document.apply(AddNodeCommand(self.document, node))
        self.select(Selection(nodes=(node.id,)))
        return node.id

    def node_at(self, scene_pos: QPointF) -> NodeItem | None:
        for item in self.items(scene_pos, Qt.ItemSelectionMode.IntersectsItemShape,
                               Qt.SortOrder.DescendingOrder, QTransform()):
            if isinstance(item, NodeItem):
                return item
        return None

    def connect_nodes(self, source: str, target: str) -> bool:
        command = connect_command(self.document, source, target)
        if command is None:
            return False
        self.document.apply(command)
        return True

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        pos = event.scenePos()
        if event.button() == Qt.MouseButton.LeftButton and self.place_kind and self.editable:
            kind = self.place_kind
            if not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.place_kind = None
                self.place_finished.emit()
            self.add_node_at(kind, pos)
            event.accept()
            return
        item = self.node_at(pos)
        if (event.button() == Qt.MouseButton.LeftButton and item is not None and self.editable
                and item.on_handle(pos) and self.node_model(item.node_id) is not None
                and self.node_model(item.node_id).kind != "end"):
            self._connect_from = item.node_id
            start = item.mapToScene(item.handle_center())
            self._connector = QGraphicsLineItem(QLineF(start, pos))
            pen = QPen(QColor(self.theme.selection), 1.6, Qt.PenStyle.DashLine)
            self._connector.setPen(pen)
            self._connector.setZValue(100)
            self.addItem(self._connector)
            event.accept()
            return
        super().mousePressEvent(event)
        self._drag_start = {i.node_id: i.pos() for i in self.selectedItems()
                            if isinstance(i, NodeItem)}

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._connector is not None:
            line = self._connector.line()
            self._connector.setLine(QLineF(line.p1(), event.scenePos()))
            target = self.node_at(event.scenePos())
            target_id = target.node_id if target is not None else None
            if target_id != self._connect_target:
                if self._connect_target in self.node_items:
                    self.node_items[self._connect_target].hovered = False
                    self.node_items[self._connect_target].update()
                self._connect_target = target_id
                if target is not None:
                    target.hovered = True
                    target.update()
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._connector is not None:
            self.removeItem(self._connector)
            self._connector = None
            target = self.node_at(event.scenePos())
            source = self._connect_from
            self._connect_from = None
            self._connect_target = None
            if target is not None and source is not None:
                self.connect_nodes(source, target.node_id)
            event.accept()
            return
        super().mouseReleaseEvent(event)
        if self._drag_start:
            self._finish_drag()

    # --- connector bends -----------------------------------------------------------------
    def edge_model(self, key: tuple[str, str]):
        try:
            return self.process.edge(*key)
        except KeyError:
            return None

    def set_edge_bends(self, key: tuple[str, str], bends: list[list[float]] | None) -> None:
        """Store a connector's corners (None or []: straighten it) as one undo step."""
        edge = self.edge_model(key)
        if edge is None or not self.editable:
            self.relayout()
            return
        wanted = [list(b) for b in bends] if bends else None
        if wanted == ([list(b) for b in edge.bends] if edge.bends else None):
            self.relayout()
            return
        text = ("Straighten connector" if wanted is None else "Bend connector") + \
            f" '{self._node_label(key[0])}' → '{self._node_label(key[1])}'"
        self.document.apply(SetValueCommand(
            self.document, f"edges.{key[0]}->{key[1]}.bends",
            wanted if wanted is not None else MISSING, text))

    def _node_label(self, node_id: str) -> str:
        node = self.node_model(node_id)
        return node.label if node is not None else node_id

    # --- lanes ---------------------------------------------------------------------------
    def _drop_index(self, y: float) -> int:
        assert self.diagram is not None
        for box in self.diagram.lanes:
            if y < box.rect.top + box.rect.h / 2:
                return box.index
        return len(self.diagram.lanes)

    def show_lane_drop(self, lane_id: str, y: float) -> None:
        if self.diagram is None:
            return
        index = self._drop_index(y)
        lanes = self.diagram.lanes
        line_y = lanes[index].rect.top if index < len(lanes) else lanes[-1].rect.bottom
        line = QLineF(-HEADER_WIDTH, line_y, self.diagram.width, line_y)
        if self._drop_line is None:
            self._drop_line = QGraphicsLineItem(line)
            self._drop_line.setPen(QPen(QColor(self.theme.selection), 3.0))
            self._drop_line.setZValue(200)
            self.addItem(self._drop_line)
        else:
            self._drop_line.setLine(line)

    def hide_lane_drop(self) -> None:
        if self._drop_line is not None:
            self.removeItem(self._drop_line)
            self._drop_line = None

    def drop_lane(self, lane_id: str, y: float) -> None:
        """Move a lane to where its header was dropped; its nodes go with it."""
        index = self._drop_index(y)
        current = self.process.lane_index(lane_id)
        target = index - 1 if index > current else index
        target = max(0, min(target, len(self.process.lanes) - 1))
        if target != current:
            self.document.apply(MoveLaneCommand(self.document, lane_id, target))

    def resize_lane(self, lane_id: str, height: float) -> None:
        height = round(height / self.grid) * self.grid if self.snap_enabled else round(height)
        lane = self.process.lane(lane_id)
        if lane.height != height:
            self.document.apply(SetValueCommand(
                self.document, f"lanes.{lane_id}.height", int(height),
                f"Resize lane '{lane.label}'"))
        else:
            self.relayout()
