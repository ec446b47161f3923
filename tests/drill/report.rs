//! The drill's verdict: every write as the clients saw it, held against what the database
//! holds, and the counts that go in the report.

use super::load::{Kind, Outcome, Write};
use super::stored::{Row, Stored};
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::time::Duration;

/// The slowest a 503 may be: the pool's checkout timeout (3 s) plus room for a loaded machine.
pub const REFUSAL_LIMIT: Duration = Duration::from_secs(6);

/// How long after PostgreSQL accepts connections again the server may still refuse writes.
pub const RECOVERY_LIMIT: Duration = Duration::from_secs(5);

/// When things happened, measured from the start of the load.
#[derive(Debug, Clone, Copy)]
pub struct Timeline {
    pub stop_requested: Duration,
    /// `pg_ctl stop` returned: the server is gone.
    pub stopped: Duration,
    pub start_requested: Duration,
    /// `pg_ctl start` returned: the server accepts connections.
    pub ready: Duration,
}

#[derive(Debug, Default)]
pub struct Report {
    pub clients: usize,
    pub load: Duration,
    pub timeline: Option<Timeline>,
    pub contacts_sent: usize,
    pub memories_sent: usize,
    /// Answered 2xx.
    pub acknowledged: usize,
    /// Acknowledged, and in the database with the id the answer gave.
    pub acknowledged_found: usize,
    /// Answered 503.
    pub refused: usize,
    /// Refused, yet committed whole (the connection died after COMMIT reached the server).
    pub refused_found: usize,
    pub refused_absent: usize,
    pub hangs: usize,
    /// 5xx other than 503.
    pub server_errors: usize,
    /// Any other status (4xx…), by status.
    pub other_statuses: BTreeMap<u16, usize>,
    pub transport_errors: usize,
    /// Answered while PostgreSQL was down, and how many of those were 503.
    pub answered_while_down: usize,
    pub refused_while_down: usize,
    /// Clients that got a 503 while PostgreSQL was down.
    pub clients_refused_while_down: usize,
    pub slowest_refusal: Duration,
    /// From PostgreSQL being ready to the first write acknowledged after it.
    pub first_ack_after_ready: Option<Duration>,
    /// From PostgreSQL being ready to the answer of the last 503 (zero: none came after).
    pub last_refusal_after_ready: Duration,
    /// Clients with writes acknowledged after the last 503.
    pub clients_recovered: usize,
    /// Every broken promise, one line each.
    pub problems: Vec<String>,
}

impl Report {
    /// Judges the writes of each client (`writes[n]` is client n's) against the database.
    pub fn judge(
        writes: &[Vec<Write>],
        stored: &Stored,
        timeline: Timeline,
        load: Duration,
    ) -> Report {
        let mut report = Report {
            clients: writes.len(),
            load,
            timeline: Some(timeline),
            ..Report::default()
        };
        let all: Vec<&Write> = writes.iter().flatten().collect();
        let mut sent_contacts = HashSet::new();
        let mut sent_memories = HashSet::new();
        for write in &all {
            match write.kind {
                Kind::Contact => {
                    report.contacts_sent += 1;
                    sent_contacts.insert(write.marker.as_str());
                }
                Kind::Memory => {
                    report.memories_sent += 1;
                    sent_memories.insert(write.marker.as_str());
                }
            }
            report.judge_write(write, stored);
        }
        report.judge_rows(stored, &sent_contacts, &sent_memories);
        report.judge_outage(writes, timeline);
        report
    }

    fn judge_write(&mut self, write: &Write, stored: &Stored) {
        let row = match write.kind {
            Kind::Contact => stored.contacts.get(&write.marker),
            Kind::Memory => stored.memories.get(&write.marker),
        };
        if let Some(row) = row {
            self.check_whole(write, row);
        }
        match &write.outcome {
            Outcome::Answered { status, id } if (200..300).contains(status) => {
                self.acknowledged += 1;
                match row {
                    Some(row) if Some(row.id) == *id => self.acknowledged_found += 1,
                    Some(row) => self.problems.push(format!(
                        "{:?} {} was answered with id {id:?} but is stored as {}",
                        write.kind, write.marker, row.id
                    )),
                    None => self.problems.push(format!(
                        "lost: {:?} {} was answered {status} (id {id:?}) at {:.2?} but is not stored",
                        write.kind, write.marker, write.answered
                    )),
                }
            }
            Outcome::Answered { status: 503, .. } => {
                self.refused += 1;
                self.slowest_refusal = self.slowest_refusal.max(write.took());
                if row.is_some() {
                    self.refused_found += 1;
                } else {
                    self.refused_absent += 1;
                }
            }
            Outcome::Answered { status, .. } => {
                if *status >= 500 {
                    self.server_errors += 1;
                } else {
                    *self.other_statuses.entry(*status).or_default() += 1;
                }
                self.problems.push(format!(
                    "{:?} {} was answered {status} at {:.2?} (sent at {:.2?})",
                    write.kind, write.marker, write.answered, write.sent
                ));
            }
            Outcome::Hung => {
                self.hangs += 1;
                self.problems.push(format!(
                    "hang: {:?} {} sent at {:.2?} had no answer within {:?}",
                    write.kind,
                    write.marker,
                    write.sent,
                    super::load::CLIENT_TIMEOUT
                ));
            }
            Outcome::Transport(error) => {
                self.transport_errors += 1;
                self.problems.push(format!(
                    "{:?} {} sent at {:.2?}: connection failed: {error}",
                    write.kind, write.marker, write.sent
                ));
            }
        }
    }

    /// A stored row must be whole: with its audit entry, and a memory on its contact.
    fn check_whole(&mut self, write: &Write, row: &Row) {
        if !row.audited {
            self.problems.push(format!(
                "half-written: {:?} {} (id {}) has no audit entry",
                write.kind, write.marker, row.id
            ));
        }
        if write.kind == Kind::Memory && row.contact_id != write.contact_id {
            self.problems.push(format!(
                "memory {} is on contact {:?}, was sent for {:?}",
                write.marker, row.contact_id, write.contact_id
            ));
        }
    }

    /// Every row the tables hold comes from a write the clients sent, once.
    fn judge_rows(
        &mut self,
        stored: &Stored,
        sent_contacts: &HashSet<&str>,
        sent_memories: &HashSet<&str>,
    ) {
        for email in stored.contacts.keys() {
            if !sent_contacts.contains(email.as_str()) {
                self.problems
                    .push(format!("a contact no client sent is stored: {email}"));
            }
        }
        for text in stored.memories.keys() {
            if !sent_memories.contains(text.as_str()) {
                self.problems
                    .push(format!("a memory no client sent is stored: {text}"));
            }
        }
        if stored.contact_rows != stored.contacts.len()
            || stored.memory_rows != stored.memories.len()
        {
            self.problems.push(format!(
                "rows stored twice: {} contact rows for {} emails, {} memory rows for {} texts",
                stored.contact_rows,
                stored.contacts.len(),
                stored.memory_rows,
                stored.memories.len()
            ));
        }
        for (entity, id) in &stored.orphan_audits {
            self.problems.push(format!(
                "half-written: audit entry of {entity} {id}, which is not stored"
            ));
        }
    }

    /// 503s while PostgreSQL was down, and back to 2xx by itself soon after it returned.
    fn judge_outage(&mut self, writes: &[Vec<Write>], timeline: Timeline) {
        let down = timeline.stopped..timeline.start_requested;
        let last_refusal = writes
            .iter()
            .flatten()
            .filter(|write| write.refused())
            .map(|write| write.answered)
            .max()
            .unwrap_or_default();
        self.last_refusal_after_ready = last_refusal.saturating_sub(timeline.ready);
        self.first_ack_after_ready = writes
            .iter()
            .flatten()
            .filter(|write| write.acknowledged() && write.answered >= timeline.ready)
            .map(|write| write.answered - timeline.ready)
            .min();
        for client in writes {
            let while_down: Vec<&Write> = client
                .iter()
                .filter(|write| down.contains(&write.answered))
                .collect();
            self.answered_while_down += while_down.len();
            let refused = while_down.iter().filter(|write| write.refused()).count();
            self.refused_while_down += refused;
            if refused > 0 {
                self.clients_refused_while_down += 1;
            }
            if client
                .iter()
                .any(|write| write.acknowledged() && write.sent > last_refusal)
            {
                self.clients_recovered += 1;
            }
        }
        if self.clients_refused_while_down < self.clients {
            self.problems.push(format!(
                "only {} of {} clients were answered 503 while PostgreSQL was down",
                self.clients_refused_while_down, self.clients
            ));
        }
        if self.slowest_refusal > REFUSAL_LIMIT {
            self.problems.push(format!(
                "the slowest 503 took {:.2?} (at most {REFUSAL_LIMIT:?})",
                self.slowest_refusal
            ));
        }
        if self.last_refusal_after_ready > RECOVERY_LIMIT {
            self.problems.push(format!(
                "writes were still refused {:.2?} after PostgreSQL was back (at most {RECOVERY_LIMIT:?})",
                self.last_refusal_after_ready
            ));
        }
        if self.clients_recovered < self.clients {
            self.problems.push(format!(
                "only {} of {} clients had a write acknowledged after the last 503",
                self.clients_recovered, self.clients
            ));
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "restart drill: {} API clients writing for {:.1?}",
            self.clients, self.load
        )?;
        if let Some(t) = self.timeline {
            writeln!(
                f,
                "  PostgreSQL: fast shutdown asked at {:.2?}, down at {:.2?}, start asked at {:.2?}, ready at {:.2?}",
                t.stop_requested, t.stopped, t.start_requested, t.ready
            )?;
        }
        writeln!(
            f,
            "  writes sent:      {} ({} contacts, {} memories)",
            self.contacts_sent + self.memories_sent,
            self.contacts_sent,
            self.memories_sent
        )?;
        writeln!(
            f,
            "  acknowledged 2xx: {}, found in the database: {}",
            self.acknowledged, self.acknowledged_found
        )?;
        writeln!(
            f,
            "  refused 503:      {} (found whole: {}, absent: {}), slowest {:.2?}",
            self.refused, self.refused_found, self.refused_absent, self.slowest_refusal
        )?;
        writeln!(
            f,
            "  while down:       {} answered, {} of them 503, {} of {} clients refused",
            self.answered_while_down,
            self.refused_while_down,
            self.clients_refused_while_down,
            self.clients
        )?;
        writeln!(
            f,
            "  hangs: {}, 500s: {}, other statuses: {:?}, connection errors: {}",
            self.hangs, self.server_errors, self.other_statuses, self.transport_errors
        )?;
        writeln!(
            f,
            "  recovery: first 2xx {} after PostgreSQL was ready, last 503 {:.2?} after, {} of {} clients writing again",
            self.first_ack_after_ready
                .map_or_else(|| "never".to_string(), |d| format!("{d:.2?}")),
            self.last_refusal_after_ready,
            self.clients_recovered,
            self.clients
        )?;
        if self.problems.is_empty() {
            writeln!(
                f,
                "  verdict: nothing acknowledged was lost, nothing half-written"
            )
        } else {
            writeln!(f, "  problems ({}):", self.problems.len())?;
            for problem in self.problems.iter().take(40) {
                writeln!(f, "    {problem}")?;
            }
            if self.problems.len() > 40 {
                writeln!(f, "    … and {} more", self.problems.len() - 40)?;
            }
            Ok(())
        }
    }
}
