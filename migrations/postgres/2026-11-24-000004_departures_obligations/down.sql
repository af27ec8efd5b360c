DROP TABLE obligations;
DROP TABLE departure_lines;
DROP TABLE departures;
