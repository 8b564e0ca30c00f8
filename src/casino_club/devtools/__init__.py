"""Development-only endpoints (never mounted in production)."""
