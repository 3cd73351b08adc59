"""What one diagram slide shows: the run of columns, the scene-to-slide frame, the strips
for off-page markers beside the run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..model.geometry import HEADER_WIDTH
from .pptx_shapes import Frame
from .pptx_split import SlideRun


@dataclass
class SlideView:
    """What one slide shows of the diagram and where: the run of columns, the scene-to-slide
    frame, the strips beside the run that hold the off-page markers, and on which deck slide
    every node is (for the markers' text)."""

    run: SlideRun
    frame: Frame
    gutter_left: float  # scene px between the lane headers and the run
    gutter_right: float  # scene px right of the run
    slide_of: dict[str, int]  # node id -> slide number in the deck
    number: int  # this slide's number in the deck
    phases: bool = False  # draw the phase row above the lanes
    pool_width: float = 0.0  # scene px of the pools' bands left of the lane headers

    @property
    def pool_left(self) -> float:
        return self.header_left - self.pool_width

    @property
    def header_left(self) -> float:
        return self.run.left - self.gutter_left - HEADER_WIDTH

    @property
    def right(self) -> float:
        return self.run.right + self.gutter_right

    def contains(self, node_id: str) -> bool:
        return node_id in self.run.nodes


def frame_left(shape: Any, frame: Frame) -> float:
    """The scene x of a shape's left edge."""
    return frame.x0 + (shape.left - frame.left) / frame.k


def frame_right(shape: Any, frame: Frame) -> float:
    return frame.x0 + (shape.left + shape.width - frame.left) / frame.k
