"""Schemathesis over the whole OpenAPI schema, in-process through the WSGI app: for every
operation, generated requests (valid and invalid) never get a server error, and every answer has
a documented status, content type and body shape.

Bounded in time: a few examples per operation (CI runs the suite twice), derandomised so a run
is repeatable; path parameters are drawn partly from objects that exist, so the cases reach the
code behind the 404 as well.
"""

from __future__ import annotations

import hypothesis.strategies as st
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.world import build_world

MAX_EXAMPLES = 12
KNOWN: dict[str, list] = {}


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    """Half of the time, swap each path parameter for the value of an object that exists."""
    if not path_parameters:
        return st.just(path_parameters)
    options = {
        name: st.sampled_from([value, *KNOWN.get(name, [])])
        for name, value in path_parameters.items()
    }
    return st.fixed_dictionaries(options)


# Loaded at collection: generating the schema needs no database.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())


@pytest.fixture
def world(db, settings):
    settings.API_THROTTLE_RATES = {"token": "1000000/min", "address": "1000000/min"}
    built = build_world()
    KNOWN.clear()
    KNOWN.update(built.known_path_values())
    # As Django's own test client does: a request must not close the test's connection (and
    # with it the transaction that holds the world).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield built
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error_and_every_answer_matches_the_schema(world, case):
    token = world.token_for_operation(case.operation)
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"} if token else {},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
