"""Custom actions served by `rasa run actions` (the handoff issue adds the first ones here)."""
