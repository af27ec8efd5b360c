-- Listing carriers by classification, in tag order.
CREATE INDEX carriers_classification_idx ON carriers (classification, tag);
