"""Notifications: see PRODUCT.md §6."""
