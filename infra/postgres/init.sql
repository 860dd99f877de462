-- One database per service: services never read each other's tables (see README).
CREATE DATABASE leads;
CREATE DATABASE opportunities;
CREATE DATABASE tasks;
CREATE DATABASE analytics;
