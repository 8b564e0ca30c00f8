"""Rewards: see PRODUCT.md §6."""
