"""Logger, Metrics and Tracer: created once here, imported by every handler.

Logs go to standard error: Lambda sends both streams to CloudWatch, and the `digest` CLI, which
runs the same handlers in-process, keeps standard output for its JSON.
"""

import logging
import sys

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger(service="friday-digest", logger_handler=logging.StreamHandler(sys.stderr))
metrics = Metrics(namespace="FridayDigest", service="friday-digest")
tracer = Tracer(service="friday-digest")
