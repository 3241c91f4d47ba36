"""Printer transports, one module each, all python-escpos printers underneath."""
