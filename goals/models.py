"""Goal and GoalHabit (weighted links to habits) arrive with the goals issue."""
