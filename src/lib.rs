//! tuomi: tracks the confidentiality duties of people leaving a company or a classified post.

pub mod auth;
pub mod catalog;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod http;
pub mod jobs;
pub mod mail;
pub mod private;
pub mod startup;
