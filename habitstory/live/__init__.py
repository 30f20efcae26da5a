"""Live updates: one WebSocket per browser tab, one publish() for every app.

    from habitstory import live
    live.publish(user.id, "habit_logged", html=fragment, message="Nice!")

publish() sends after the surrounding transaction commits and never raises into the
caller: if the channel layer (Redis) is down the action still succeeds and only the push
is lost (it is logged).
"""

from .events import EVENTS, group_name, publish, publish_many, request_resync

__all__ = ["EVENTS", "group_name", "publish", "publish_many", "request_resync"]
