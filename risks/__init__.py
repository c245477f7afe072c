"""Risk register, responses, issue log and the Monte Carlo forecast."""
