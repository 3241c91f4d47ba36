"""Storage: tables, migrations, statements and the unit of work the engine runs on."""
