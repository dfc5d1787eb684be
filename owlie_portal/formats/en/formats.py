"""Dates as support staff read them: 24-hour times, no "p.m." (whose period doubled at a sentence's end)."""

DATETIME_FORMAT = "j M Y, H:i"
DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATE_FORMAT = "Y-m-d"
