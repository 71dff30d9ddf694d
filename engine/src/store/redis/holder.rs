//! Who holds the dispatcher lease, told precisely enough that a process
//! restarted after a crash can see its predecessor is gone.
//!
//! The lease value carries the holder's host name, pid, pid namespace, boot
//! id and process start time (`/proc/PID/stat`, field 22). On the same host,
//! in the same pid namespace and since the same boot, a pid that no longer
//! exists, or that now belongs to a process started at another moment (pid
//! reuse), cannot be the holder any more: its lease may be taken over at
//! once. Anywhere else nothing can be told from here, and the caller watches
//! whether the lease keeps being renewed (see `lease.rs`).

use std::fmt;

/// One process, as recorded in the lease value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessIdentity {
    pub host: String,
    pub pid: u32,
    /// The pid namespace's inode (`/proc/self/ns/pid`), "-" when unknown.
    pub pid_namespace: String,
    /// The first 8 hex digits of `/proc/sys/kernel/random/boot_id`, "-" when unknown.
    pub boot: String,
    /// Clock ticks after boot at which the process started; 0 when unknown.
    pub start: u64,
}

/// What can be told, from this process, about a lease holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Liveness {
    /// The holder runs on this host and is alive.
    Alive,
    /// The holder was on this host and is certainly gone.
    Gone,
    /// Nothing can be told from here (another host or namespace, another
    /// boot, a holder name that is not a [`ProcessIdentity`]).
    Unknown,
}

impl ProcessIdentity {
    /// This process, read from `/proc` (fields that cannot be read are
    /// recorded as unknown, which only means a successor cannot tell at once).
    pub fn current() -> ProcessIdentity {
        let pid = std::process::id();
        let host = read_trimmed("/proc/sys/kernel/hostname")
            .filter(|host| !host.is_empty())
            .unwrap_or_else(|| "ventanilla".to_string());
        ProcessIdentity {
            host: sanitize(&host),
            pid,
            pid_namespace: own_pid_namespace().unwrap_or_else(|| "-".to_string()),
            boot: boot_id().unwrap_or_else(|| "-".to_string()),
            start: start_time(pid).unwrap_or(0),
        }
    }

    /// Reads a holder name written by [`fmt::Display`]; `None` for any other name.
    pub fn parse(text: &str) -> Option<ProcessIdentity> {
        let (host, rest) = text.rsplit_once(':')?;
        let mut parts = rest.split('/');
        let pid = parts.next()?.parse().ok()?;
        let pid_namespace = parts.next()?.to_string();
        let boot = parts.next()?.to_string();
        let start = parts.next()?.parse().ok()?;
        if parts.next().is_some() || host.is_empty() {
            return None;
        }
        Some(ProcessIdentity {
            host: host.to_string(),
            pid,
            pid_namespace,
            boot,
            start,
        })
    }

    /// Whether `holder` (a lease holder name) is alive, as far as this
    /// process can tell. `start_of` reads a pid's start time (`None`: no
    /// such process); tests pass their own.
    pub fn judge(&self, holder: &str, start_of: impl Fn(u32) -> Option<u64>) -> Liveness {
        let Some(holder) = ProcessIdentity::parse(holder) else {
            return Liveness::Unknown;
        };
        let comparable = |mine: &str, theirs: &str| mine != "-" && mine == theirs;
        if holder.host != self.host
            || !comparable(&self.pid_namespace, &holder.pid_namespace)
            || !comparable(&self.boot, &holder.boot)
            || holder.start == 0
        {
            return Liveness::Unknown;
        }
        match start_of(holder.pid) {
            Some(start) if start == holder.start => Liveness::Alive,
            // No such pid, or a pid reused by a process started at another moment.
            _ => Liveness::Gone,
        }
    }

    /// [`ProcessIdentity::judge`] against this host's `/proc`.
    pub fn judge_here(&self, holder: &str) -> Liveness {
        self.judge(holder, start_time)
    }
}

impl fmt::Display for ProcessIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}/{}/{}/{}",
            self.host, self.pid, self.pid_namespace, self.boot, self.start
        )
    }
}

/// "host web1, pid 4242" for a holder name that is an identity, else the name.
pub fn describe(holder: &str) -> String {
    match ProcessIdentity::parse(holder) {
        Some(identity) => format!("pid {} on host {}", identity.pid, identity.host),
        None => holder.to_string(),
    }
}

fn read_trimmed(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|text| text.trim().to_string())
}

/// Host names are free text to the kernel: keep what fits the format.
fn sanitize(host: &str) -> String {
    host.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
        .take(64)
        .collect()
}

fn own_pid_namespace() -> Option<String> {
    let link = std::fs::read_link("/proc/self/ns/pid").ok()?;
    let text = link.to_string_lossy();
    let inode = text.strip_prefix("pid:[")?.strip_suffix(']')?;
    inode
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| inode.to_string())
}

fn boot_id() -> Option<String> {
    let id = read_trimmed("/proc/sys/kernel/random/boot_id")?;
    let short: String = id.chars().filter(char::is_ascii_hexdigit).take(8).collect();
    (short.len() == 8).then_some(short)
}

/// Field 22 of `/proc/PID/stat`: when the process started, in clock ticks
/// after boot. `None` when there is no such process.
pub fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_start_time(&stat)
}

fn parse_start_time(stat: &str) -> Option<u64> {
    // The command name (field 2) is in parentheses and may hold spaces.
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(19)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn me() -> ProcessIdentity {
        ProcessIdentity {
            host: "web1".into(),
            pid: 100,
            pid_namespace: "4026531836".into(),
            boot: "3f2a9c1e".into(),
            start: 5000,
        }
    }

    #[test]
    fn an_identity_reads_back_what_it_wrote() {
        let text = me().to_string();
        assert_eq!(text, "web1:100/4026531836/3f2a9c1e/5000");
        assert_eq!(ProcessIdentity::parse(&text), Some(me()));
        assert_eq!(ProcessIdentity::parse("intruder:1"), None);
        assert_eq!(ProcessIdentity::parse("engine-before-restart"), None);
    }

    #[test]
    fn a_holder_on_this_host_is_alive_only_while_its_pid_runs_the_same_process() {
        let holder = ProcessIdentity {
            pid: 42,
            start: 777,
            ..me()
        }
        .to_string();
        assert_eq!(me().judge(&holder, |_| Some(777)), Liveness::Alive);
        assert_eq!(me().judge(&holder, |_| None), Liveness::Gone);
        // The pid was reused by a process that started later.
        assert_eq!(me().judge(&holder, |_| Some(9999)), Liveness::Gone);
    }

    #[test]
    fn nothing_is_told_about_another_host_namespace_or_boot() {
        let alive = |_| Some(777);
        for other in [
            ProcessIdentity {
                host: "web2".into(),
                ..me()
            },
            ProcessIdentity {
                pid_namespace: "4026532000".into(),
                ..me()
            },
            ProcessIdentity {
                boot: "00000000".into(),
                ..me()
            },
            ProcessIdentity { start: 0, ..me() },
        ] {
            assert_eq!(me().judge(&other.to_string(), alive), Liveness::Unknown);
            assert_eq!(me().judge(&other.to_string(), |_| None), Liveness::Unknown);
        }
        let unknown_here = ProcessIdentity {
            boot: "-".into(),
            ..me()
        };
        assert_eq!(
            unknown_here.judge(&me().to_string(), |_| None),
            Liveness::Unknown
        );
        assert_eq!(me().judge("intruder:1", |_| None), Liveness::Unknown);
    }

    #[test]
    fn this_process_is_alive_to_itself() {
        let current = ProcessIdentity::current();
        if current.boot != "-" && current.pid_namespace != "-" {
            assert_eq!(current.judge_here(&current.to_string()), Liveness::Alive);
        }
        assert!(start_time(std::process::id()).is_some());
    }

    #[test]
    fn the_start_time_is_read_past_a_command_name_with_spaces() {
        let stat = "42 (a (b) c) S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 123456 1000 200";
        assert_eq!(parse_start_time(stat), Some(123456));
    }
}
