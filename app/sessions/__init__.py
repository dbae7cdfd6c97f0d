"""Browser sessions kept on the server: the cookie holds only a random id (app/web/sessions.py)."""
