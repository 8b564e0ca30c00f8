"""Vip: see PRODUCT.md §6."""
