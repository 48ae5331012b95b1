"""Schedules: the monthly build, after agencies' extracts for the previous month arrive."""

from __future__ import annotations

import dagster as dg

from orchestration.jobs import pvw_build

monthly_build = dg.ScheduleDefinition(
    name="monthly_build",
    job=pvw_build,
    cron_schedule="0 6 10 * *",  # 06:00 on the 10th: extracts are due by the 7th
    execution_timezone="Europe/London",
    description="The monthly build and publish.",
)
schedules = [monthly_build]
