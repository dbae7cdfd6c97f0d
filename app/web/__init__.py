"""The web layer: HTTP and websocket handlers, server-rendered pages and forms, rendering.

It is thin over the domain services: a handler authenticates the caller, calls one service
function and answers with JSON (`api_*`), a page or a redirect (`pages*`), or a live
fragment pushed through `app.live`; the rules and the events stay in the domain packages.
"""
