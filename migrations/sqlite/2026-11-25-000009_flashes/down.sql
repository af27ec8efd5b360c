DROP TABLE flashes;
