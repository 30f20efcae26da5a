"""The story layer: the flows that cross domains (docs/architecture.md).

- `commit`: the commit step for a habit's day (habits, then goals, then quests, then
  gamification, in one transaction under the user's profile lock), and `goals` for a
  goal's own changes;
- `news`: the one list of what a commit did, which feeds the flash messages, the toasts,
  the live events and notify();
- `closing`: the day close (habits closes its days, gamification moves the pets' moods,
  notifications alerts the habits at risk), with `risk` (the alerts);
- the other scheduled flows: `prompts`, `nudges`, `digest` (docs/jobs.md);
- `facts` (what achievements read), `render` (a commit's fragments), `onboarding` (a new
  user's start) and `demo` (the demo account).

It imports the domains and the platform; no domain imports it. The interfaces (views,
the API, Celery tasks, management commands) call it.
"""
