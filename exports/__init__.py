"""Static exports: chart images (PNG/SVG), and the board pack (PPTX/PDF)."""
