"""strategy/library."""
