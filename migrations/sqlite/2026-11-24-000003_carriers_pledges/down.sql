DROP TABLE pledges;
DROP TABLE pledge_texts;
DROP TABLE carrier_events;
DROP TABLE carriers;
