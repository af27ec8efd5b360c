DROP TABLE entry_exit_filing_entries;
DROP TABLE entry_exit_filings;
