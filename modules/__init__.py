"""Reusable constructs of the fraud-detection pipeline, one concern per file."""
