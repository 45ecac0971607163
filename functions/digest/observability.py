"""Logger, Metrics and Tracer: created once here, imported by every handler."""

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger(service="friday-digest")
metrics = Metrics(namespace="FridayDigest", service="friday-digest")
tracer = Tracer(service="friday-digest")
