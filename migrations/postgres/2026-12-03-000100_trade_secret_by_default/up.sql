-- Trade secrets bind everyone: the duty is created at every completion unless HR unticks it
-- and writes why. The reason is kept on the departure; a departure completed before (when the
-- duty was opt-in) has none, and its obligations stay as they were created.
ALTER TABLE departures ADD COLUMN no_trade_secret_reason TEXT;
