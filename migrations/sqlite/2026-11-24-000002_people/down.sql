DROP TABLE post_exits;
DROP TABLE clearance_changes;
DROP TABLE employees;
