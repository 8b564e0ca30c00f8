"""Realtime sync: the WebSocket endpoint, per-socket ordered delivery and the per-instance hub."""
