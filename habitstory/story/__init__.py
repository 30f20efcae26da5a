"""The story layer: the flows that cross domains (docs/architecture.md).

- `commit`: the commit step for a habit's day (habits, then goals, then quests, then
  gamification, in one transaction under the user's profile lock), and `goals` for a
  goal's own changes;
- `news`: the one list of what a commit did, which feeds the flash messages, the toasts,
  the live events and notify();
- `closing`: the day close (habits closes its days, gamification moves the pets' moods,
  notifications alerts the habits at risk).

It imports the domains and the platform; no domain imports it. The interfaces (views,
the API, Celery tasks, management commands) call it.
"""
