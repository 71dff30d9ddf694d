//! The gateway's tests: the HTTP contract of API.md call by call, through the
//! router (`oneshot`) and through a real socket, and the console pages.

mod helpers;

mod binary;
mod cross_origin;
mod error_shape;
mod health;
mod languages;
mod longpoll;
mod malformed;
mod meetings;
mod metrics_bind;
mod openapi;
mod operator;
mod pages;
mod presence;
mod rate_limits;
mod room_access;
mod services;
mod session;
mod text_fields;
mod tickets;
mod timeouts;
mod waits;
