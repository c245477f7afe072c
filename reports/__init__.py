"""KPI snapshots, health, the portfolio dashboard, status reports and closure."""
