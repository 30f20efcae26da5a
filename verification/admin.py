# Models of this app are registered here when they land (see models.py).
