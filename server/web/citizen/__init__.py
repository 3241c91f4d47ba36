"""The citizen's ticket page: the QR code's address, live, with the survey after service."""
