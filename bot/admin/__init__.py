"""The operators' dashboard under ``/admin`` (issue 12): pages, charts, review, broadcasts.

Off unless ``ADMIN_TOKEN`` is set; ``bot.serve`` mounts ``admin_routes(...)`` on the web app.
"""
