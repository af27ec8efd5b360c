ALTER TABLE departures DROP COLUMN no_trade_secret_reason;
