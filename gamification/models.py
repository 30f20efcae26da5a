"""XPEvent, Pet, Achievement and the commit step arrive with the gamification issue."""
