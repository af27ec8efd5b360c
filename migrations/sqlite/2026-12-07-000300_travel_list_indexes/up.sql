-- The lists of documents out and of the documents of a trip read by index, whatever the size.
CREATE INDEX travel_documents_status_idx ON travel_documents (status, trip_id);
CREATE INDEX travel_document_moves_trip_idx ON travel_document_moves (trip_id);
