"""Browser pages of the budgets app, by domain.

``budget`` holds the budget page (lines, variance per category, the approved budget and its
trail, the burn chart), the actual costs (list, import, export) and commitments;
``earned_value`` the status-date KPIs and the S-curve; ``resources`` the resources, their days
off and assignments, the utilisation heat map and the levelling preview. Shared helpers are in
``base``; ``budgets/urls.py`` names each view by its module.
"""
