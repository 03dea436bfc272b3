"""Sensors of the DataWorks provider."""
