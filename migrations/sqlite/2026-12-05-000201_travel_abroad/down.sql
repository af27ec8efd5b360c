DROP TABLE travel_document_moves;
DROP TABLE travel_documents;
DROP TABLE trips;
