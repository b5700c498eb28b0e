"""gunicorn entry point: ``gunicorn wsgi:app``.

Production web workers run no scheduler (SCHEDULER_IN_PROCESS defaults to off there);
run ``union scheduler`` as its own process instead.
"""

from union import create_app

app = create_app()

if app.config["SCHEDULER_IN_PROCESS"]:
    from union.core.scheduler import start_in_process

    start_in_process(app)
