"""Benchmarks and comparison tools."""
