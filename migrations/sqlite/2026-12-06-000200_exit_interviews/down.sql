DROP TABLE exit_interviews;
