DROP TABLE whereabouts;
DROP TABLE competitors;
