"""Money and people: budget lines, actual costs, resources, assignments, earned value."""
