"""Submission and Review arrive with the verification issue."""
