"""Pure money and progress rules over already-locked, in-memory state (no I/O, unit-tested directly)."""
