"""Missions: see PRODUCT.md §6."""
