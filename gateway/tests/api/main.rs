//! The gateway's tests: the HTTP contract of API.md call by call, through the
//! router (`oneshot`) and through a real socket, and the console pages.

mod helpers;

mod binary;
mod health;
mod malformed;
mod meetings;
mod openapi;
mod operator;
mod pages;
mod presence;
mod rate_limits;
mod services;
mod session;
mod tickets;
mod waits;
