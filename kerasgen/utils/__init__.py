"""Small helpers shared by every part of kerasgen (validation, image grids)."""
