"""Load and latency benchmark of Mic Check against a real server process (`make bench`).

`python -m bench` starts the app under uvicorn in its own process on a fresh SQLite
database, then drives it from this process over 127.0.0.1 only: joins, phone websockets,
fan-out of facilitator changes, one phone that stops reading, a burst of joins, and a
call for consensus that every phone answers.
"""
