"""Layouts compiled by digest.render.precompiled (`make templates`): do not edit."""
