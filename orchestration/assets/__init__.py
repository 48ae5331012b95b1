"""Dagster assets by domain: ingest, dbt, quality, publish."""
