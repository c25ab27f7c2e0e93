"""Tests for the mock venue pieces."""
