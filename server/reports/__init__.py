"""Every figure the office reports, computed from the event log in one place.

The report pages, their exports (CSV, XLSX, PDF), the REST API and the live
dashboard all take their figures from here, so they never disagree:
`fold.py` follows each ticket through its events, `figures.py` turns that
into a day's, a week's or any range's report, `ikm.py` computes the
satisfaction index of Permenpan RB 14/2017 from the survey answers.
"""
