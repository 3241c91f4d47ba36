"""Tables, database connection, migrations and the SQL repository."""
