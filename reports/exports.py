"""The portfolio dashboard as a file: Excel (every figure, one row per project, grouped as on
screen) and PDF (A4 landscape, for a steering pack). Both take the rows the dashboard shows with
the same filters, grouping and sort, every page of them.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from openpyxl import Workbook
from openpyxl.styles import Font

from projects.pdf import html_to_pdf
from projects.spreadsheets import xlsx_text
from reports.selectors.kpi import DashboardRow

COLUMNS = [
    ("Group", 18),
    ("Key", 10),
    ("Project", 32),
    ("Type", 16),
    ("Stage", 14),
    ("Sponsor", 20),
    ("Health", 9),
    ("Schedule", 9),
    ("Cost", 9),
    ("Scope", 9),
    ("Risk", 9),
    ("% complete", 11),
    ("SPI", 7),
    ("CPI", 7),
    ("Currency", 9),
    ("Budget (BAC)", 14),
    ("EAC", 14),
    ("Target finish", 13),
    ("Forecast finish", 14),
    ("Baseline finish", 14),
    ("Slip (working days)", 12),
    ("Chance of target %", 12),
    ("Chance of budget %", 12),
    ("Next milestone", 26),
    ("Milestone date", 13),
    ("Top risk", 28),
    ("Top risk score", 10),
    ("Snapshot of", 12),
]


def _values(row: DashboardRow) -> list[Any]:
    p, s = row.project, row.snapshot
    return [
        row.group,
        p.key,
        p.name,
        p.get_type_display(),
        p.get_stage_display(),
        p.sponsor,
        s.get_health_display() if s else "Not computed",
        s.get_health_schedule_display() if s else "",
        s.get_health_cost_display() if s else "",
        s.get_health_scope_display() if s else "",
        s.get_health_risk_display() if s else "",
        s.percent_complete if s else None,
        s.spi if s else None,
        s.cpi if s else None,
        p.currency,
        s.bac if s else None,
        s.eac if s else None,
        p.target_finish,
        s.forecast_finish if s else None,
        s.baseline_finish if s else None,
        s.finish_slip_days if s else None,
        row.target_chance,
        row.budget_chance,
        p.next_milestone_name,
        p.next_milestone_date,
        p.top_risk_title,
        p.top_risk_score,
        s.as_of if s else None,
    ]


def dashboard_xlsx(rows: list[DashboardRow], *, today: datetime.date) -> bytes:
    """One sheet, a header row and one row per project; text cells guarded against formulas,
    numbers and dates as numbers and dates."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Portfolio"
    for column, (title, width) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=column)
        xlsx_text(cell, title)
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = width
    sheet.freeze_panes = "C2"
    for number, row in enumerate(rows, start=2):
        for column, value in enumerate(_values(row), start=1):
            cell = sheet.cell(row=number, column=column)
            if isinstance(value, str) or value is None:
                xlsx_text(cell, value or "")
            elif isinstance(value, Decimal):
                cell.value = float(value)
            else:
                cell.value = value
            if isinstance(value, datetime.date):
                cell.number_format = "yyyy-mm-dd"
    sheet.auto_filter.ref = sheet.dimensions
    book.properties.title = f"Charter portfolio, {today.isoformat()}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def dashboard_pdf(rows: list[DashboardRow], *, today: datetime.date, filters: str) -> bytes:
    """A4 landscape, the dashboard's figures as a table grouped as on screen."""
    html = render_to_string(
        "reports/print/portfolio.html", {"rows": rows, "today": today, "filters": filters}
    )
    return html_to_pdf(html)
