DROP TABLE remedial_tasks;
DROP TABLE breach_evidence;
DROP TABLE breach_additions;
DROP TABLE breach_steps;
DROP TABLE breach_cases;
