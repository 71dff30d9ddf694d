//! The bodies of the two polls of API.md, rendered from a snapshot and "now".
//! The console's (`console`) and the ticket page's (`ticket`).

mod console;
mod ticket;

pub use crate::console::{console_state, ConsoleState};
pub use console::*;
pub use ticket::*;
