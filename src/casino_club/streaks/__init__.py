"""Streaks: see PRODUCT.md §6."""
