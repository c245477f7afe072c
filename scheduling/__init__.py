"""Time: tasks, dependencies, calendars, critical path, baselines, sprints, phases and gates."""
