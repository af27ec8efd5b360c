//! The one integration test binary: every area's tests, each on SQLite and on PostgreSQL.

mod helpers;
mod leftover_jobs;
mod smtp;

mod audit;
mod auth;
mod backup;
mod breaches;
mod browser;
mod carriers;
mod clearance;
mod crawl;
mod departures;
mod faults;
mod import;
mod languages;
mod noncompete;
mod obligations;
mod ops;
mod pages;
mod people;
mod periods;
mod pledges;
mod process;
mod reminders;
mod role_matrix;
mod schema;
mod seed;
mod statements;
mod upgrade;
mod users;
mod web_admin;
mod web_departures;
mod web_obligations;
mod web_people;
mod web_security;
