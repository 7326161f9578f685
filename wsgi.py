"""The WSGI entry point: `gunicorn wsgi:app`, or `flask --app wsgi ...` for the CLI."""

import sys

from coop import create_app
from coop.config import ConfigError

try:
    app = create_app()
except ConfigError as refused:  # one line that says what to set, not a traceback
    sys.exit(f"Carecoop cannot start: {refused}")
