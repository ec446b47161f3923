DROP TABLE jobs;
DROP TABLE uploads;
