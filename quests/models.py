"""Quest, objectives, dependencies and templates arrive with the quests issue."""
