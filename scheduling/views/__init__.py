"""Schedule pages, by domain: the plan (Gantt, tasks, dependencies, calendar, baselines) and the
agile and stage pages (backlog, sprints, burndown, velocity, phases and gates)."""
