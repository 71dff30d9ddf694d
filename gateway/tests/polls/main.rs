//! The poll bodies and their ETags (`gateway::render`) and the held polls
//! (`gateway::longpoll`) on a real engine on the manual clock, without HTTP:
//! the console screen by screen, what wakes a held poll, and that no 304 is
//! ever stale. The HTTP side of the same polls is in `tests/api`.

mod support;

mod console;
mod console_end;
mod etags;
mod longpoll;
mod states;
