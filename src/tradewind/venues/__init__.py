"""Venues: the simulated one here; real venue adapters in their own folders."""
