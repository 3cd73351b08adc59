"""Drawing the diagram and charts for export (SVG, PNG, PDF, PPTX); no widgets."""
