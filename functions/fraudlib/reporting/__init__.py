"""Pure daily fraud-report aggregation and rendering (no I/O, no AWS)."""

from fraudlib.reporting.aggregate import DailyReport, DailyReportBuilder
from fraudlib.reporting.models import ReportTransaction
from fraudlib.reporting.period import InvalidReportDateError, report_day
from fraudlib.reporting.render import render_csv, render_json

__all__ = [
    "DailyReport",
    "DailyReportBuilder",
    "InvalidReportDateError",
    "ReportTransaction",
    "render_csv",
    "render_json",
    "report_day",
]
