"""Labelled PII sentences and the scorer that compares our redactor with stock Presidio."""
