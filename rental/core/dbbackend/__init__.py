"""PostgreSQL with two logins: the app role for the code, the owner for schema changes.

`DATABASES["default"]["OWNER"]` holds the owner's USER/PASSWORD/HOST/PORT. `migrate`, `flush` and
the test database's creation switch the connection to it (`connection.as_owner()`); everything
else, the test suite included, runs as the app role, which owns nothing.
"""
