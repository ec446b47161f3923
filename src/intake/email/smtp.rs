//! The optional SMTP listener (`RAPPORT_SMTP_BIND`): mail for
//! `<integration id>+<token>@<domain>` (`RAPPORT_SMTP_DOMAIN`; the token is the integration's
//! [`Integration::smtp_token`], shown on its settings page) is stored exactly as the inbound
//! endpoint stores it, through the same [`inbound::receive`]. The plain
//! `<integration id>@<domain>` is accepted only on connections from a configured relay
//! (`RAPPORT_SMTP_RELAYS`, your MX): ids are small numbers, easy to guess. Only a relay's
//! connection may carry a sender verdict the integration believes ([`inbound::Handover`]):
//! any other client wrote every header of its message itself.
//!
//! Each client gets bounded resources ([`SmtpLimits`]): a few connections at once per
//! address, a maximum session length and number of messages, and an idle time for every
//! command line and message line plus a time limit for a whole message, so a sender that
//! trickles bytes cannot hold connections open. Going over a limit answers `421` and closes.
//!
//! A small server of our own on tokio, speaking the subset of RFC 5321 a receiving MX needs:
//! EHLO/HELO, MAIL (with the RFC 1870 `SIZE` and `BODY` parameters), RCPT, DATA (with
//! dot-unstuffing), RSET, NOOP, VRFY, HELP, QUIT. No AUTH and no relaying: it only accepts
//! mail for its own domain, for enabled email integrations. The size limit is announced in
//! EHLO (`SIZE`), refused early for a declared size and enforced while reading (552).
//! Refusals carry the code of [`Refusal::smtp_code`] (550 sender not allowed, 552 too
//! large, 554 not a usable message); faults on our side are 451, so the sender retries.
//!
//! Why not a crate: `mailin`/`mailin-embedded` cannot announce or parse `SIZE`, call their
//! handler synchronously (a database round trip per command would block the reactor) and
//! run their own thread-per-connection listener with a TLS stack; `samotop` depends on the
//! discontinued async-std. The protocol subset is small and is tested here and end to end.

use super::inbound::{self, ReceiveError};
use super::refusal::Refusal;
use super::smtp_limits::{ConnectionCounter, SmtpLimits};
use crate::db;
use crate::domain::IntegrationId;
use crate::models::integration::{self, Integration};
use crate::startup::AppState;
use actix_web::web;
use diesel::OptionalExtension;
use std::io;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::time::Instant;

/// Longest command line accepted (RFC 5321 §4.5.3.1.4 says 512; some clients send more).
const MAX_COMMAND_LINE: usize = 4096;
/// Longest line inside a message (RFC 5322 says 998; leave room for careless senders).
const MAX_DATA_LINE: usize = 1024 * 1024;
/// Recipients of one message (RFC 5321 asks servers to accept at least 100).
const MAX_RECIPIENTS: usize = 100;
/// Mistakes tolerated on one connection before it is closed.
const MAX_ERRORS: usize = 20;
/// Connections served at once; more are told to come back later (421).
const MAX_CONNECTIONS: usize = 64;

/// Starts the listener on an already-bound socket, as a task of the running server.
pub fn spawn(listener: std::net::TcpListener, state: web::Data<AppState>) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let listener = TcpListener::from_std(listener)?;
    let domain = state
        .settings
        .smtp_domain
        .clone()
        .unwrap_or_else(|| "localhost".to_string());
    actix_web::rt::spawn(accept_loop(listener, state, Arc::new(domain)));
    Ok(())
}

async fn accept_loop(listener: TcpListener, state: web::Data<AppState>, domain: Arc<String>) {
    let active = Arc::new(AtomicUsize::new(0));
    let per_client = ConnectionCounter::default();
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors and the like: wait instead of spinning.
                tracing::error!(%error, "smtp: accept failed");
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
        };
        let state = state.clone();
        let domain = domain.clone();
        let active = active.clone();
        let per_client = per_client.clone();
        actix_web::rt::spawn(async move {
            let (reader, mut writer) = stream.into_split();
            let limits = &state.settings.smtp_limits;
            // Held until the connection ends; dropping it frees the client's place.
            let counted = per_client.admit(peer.ip(), limits.max_connections_per_address);
            if active.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
                let _ = write_reply(
                    &mut writer,
                    &Reply::new(421, "4.3.2 Too many connections, try again later"),
                )
                .await;
            } else if counted.is_none() {
                tracing::warn!(%peer, "smtp: too many connections from one client");
                let _ = write_reply(
                    &mut writer,
                    &Reply::new(
                        421,
                        "4.7.0 Too many connections from your address, try again later",
                    ),
                )
                .await;
            } else {
                let session = Session::new(&state, &domain, peer.ip());
                if let Err(error) = session.run(BufReader::new(reader), writer).await {
                    tracing::debug!(%peer, %error, "smtp: connection ended");
                }
            }
            drop(counted);
            active.fetch_sub(1, Ordering::SeqCst);
        });
    }
}

/// An SMTP reply: a code and one or more lines of text.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reply {
    code: u16,
    lines: Vec<String>,
}

impl Reply {
    fn new(code: u16, text: impl Into<String>) -> Self {
        Reply {
            code,
            lines: vec![text.into()],
        }
    }

    fn is_error(&self) -> bool {
        self.code >= 400
    }

    /// `250-first\r\n250 last\r\n`; text is kept to printable ASCII, so nothing a sender
    /// wrote can break the protocol.
    fn render(&self) -> String {
        let mut out = String::new();
        let last = self.lines.len().saturating_sub(1);
        for (i, line) in self.lines.iter().enumerate() {
            let separator = if i == last { ' ' } else { '-' };
            let clean: String = line
                .chars()
                .map(|c| {
                    if c.is_ascii_graphic() || c == ' ' {
                        c
                    } else {
                        '?'
                    }
                })
                .collect();
            out.push_str(&format!("{}{separator}{clean}\r\n", self.code));
        }
        out
    }
}

async fn write_reply(writer: &mut (impl AsyncWrite + Unpin), reply: &Reply) -> io::Result<()> {
    writer.write_all(reply.render().as_bytes()).await?;
    writer.flush().await
}

/// What reading one line found.
enum Line {
    /// The line, with its line end.
    Complete,
    /// Longer than allowed: the rest up to the line end was skipped.
    TooLong,
    /// The client closed the connection.
    Closed,
}

/// Reads one line (up to and including `\n`) into `buf`, keeping at most `max` bytes of it.
async fn read_line(
    reader: &mut (impl AsyncBufReadExt + Unpin),
    buf: &mut Vec<u8>,
    max: usize,
) -> io::Result<Line> {
    buf.clear();
    let mut too_long = false;
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            return Ok(Line::Closed);
        }
        let (chunk, done) = match available.iter().position(|&b| b == b'\n') {
            Some(end) => (&available[..=end], true),
            None => (available, false),
        };
        let used = chunk.len();
        if !too_long && buf.len() + used <= max {
            buf.extend_from_slice(chunk);
        } else {
            too_long = true;
        }
        reader.consume(used);
        if done {
            return Ok(if too_long {
                Line::TooLong
            } else {
                Line::Complete
            });
        }
    }
}

/// One connection's conversation.
struct Session<'a> {
    state: &'a AppState,
    domain: &'a str,
    max_bytes: usize,
    limits: &'a SmtpLimits,
    /// The client's address: relays may use the plain `<id>@domain` recipient.
    peer: IpAddr,
    /// When the session must end, however busy.
    deadline: Instant,
    /// Transactions that reached DATA.
    messages: usize,
    greeted: bool,
    /// The envelope sender of the open transaction (`Some("")` for the null sender `<>`).
    mail_from: Option<String>,
    /// The integration the open transaction delivers to.
    integration: Option<Integration>,
    recipients: usize,
    errors: usize,
}

/// What to do after answering a command.
enum Next {
    Continue,
    ReadData,
    Close,
}

impl<'a> Session<'a> {
    fn new(state: &'a AppState, domain: &'a str, peer: IpAddr) -> Self {
        let limits = &state.settings.smtp_limits;
        Session {
            state,
            domain,
            max_bytes: state.settings.email_max_bytes,
            limits,
            peer,
            deadline: Instant::now() + limits.max_session,
            messages: 0,
            greeted: false,
            mail_from: None,
            integration: None,
            recipients: 0,
            errors: 0,
        }
    }

    fn reset(&mut self) {
        self.mail_from = None;
        self.integration = None;
        self.recipients = 0;
    }

    async fn run(
        mut self,
        mut reader: impl AsyncBufReadExt + AsyncRead + Unpin,
        mut writer: impl AsyncWrite + Unpin,
    ) -> io::Result<()> {
        let greeting = Reply::new(220, format!("{} Rapport ESMTP ready", self.domain));
        write_reply(&mut writer, &greeting).await?;
        let mut line = Vec::with_capacity(512);
        loop {
            // A whole command line within the idle time, and never past the session's end.
            let until = self.deadline.min(Instant::now() + self.limits.idle_timeout);
            let read =
                tokio::time::timeout_at(until, read_line(&mut reader, &mut line, MAX_COMMAND_LINE))
                    .await;
            let (reply, next) = match read {
                Err(_elapsed) if Instant::now() >= self.deadline => {
                    (session_too_long(self.domain), Next::Close)
                }
                Err(_elapsed) => (
                    Reply::new(421, "4.4.2 Timed out waiting for a command, closing"),
                    Next::Close,
                ),
                Ok(Err(error)) => return Err(error),
                Ok(Ok(Line::Closed)) => return Ok(()),
                Ok(Ok(Line::TooLong)) => (
                    Reply::new(500, "5.5.6 Command line too long"),
                    Next::Continue,
                ),
                // Pipelined commands that were waiting in the buffer do not extend a session.
                Ok(Ok(Line::Complete)) if Instant::now() >= self.deadline => {
                    (session_too_long(self.domain), Next::Close)
                }
                Ok(Ok(Line::Complete)) => {
                    let text = String::from_utf8_lossy(&line).trim_end().to_string();
                    self.command(&text).await
                }
            };
            let next = self.count_errors(&reply, next);
            write_reply(&mut writer, &reply).await?;
            match next {
                Next::Continue => {}
                Next::Close => return Ok(()),
                Next::ReadData => {
                    let reply = self.data(&mut reader).await?;
                    let next = self.count_errors(&reply, Next::Continue);
                    write_reply(&mut writer, &reply).await?;
                    // 421 closes the channel (RFC 5321 §3.8): after a message that took too
                    // long, nothing more is read.
                    if matches!(next, Next::Close) || reply.code == 421 {
                        return Ok(());
                    }
                }
            }
        }
    }

    /// Too many mistakes end the connection (after one last reply saying so).
    fn count_errors(&mut self, reply: &Reply, next: Next) -> Next {
        if reply.is_error() && reply.code != 421 {
            self.errors += 1;
            if self.errors >= MAX_ERRORS {
                return Next::Close;
            }
        }
        next
    }

    async fn command(&mut self, line: &str) -> (Reply, Next) {
        let (verb, argument) = match line.split_once(' ') {
            Some((verb, rest)) => (verb.to_ascii_uppercase(), rest.trim()),
            None => (line.to_ascii_uppercase(), ""),
        };
        let reply = match verb.as_str() {
            "EHLO" | "HELO" if argument.is_empty() => {
                Reply::new(501, format!("5.5.4 {verb} needs your domain name"))
            }
            "EHLO" => {
                self.greeted = true;
                self.reset();
                Reply {
                    code: 250,
                    lines: vec![
                        format!("{} greets {}", self.domain, argument),
                        format!("SIZE {}", self.max_bytes),
                        "8BITMIME".to_string(),
                        "PIPELINING".to_string(),
                        "HELP".to_string(),
                    ],
                }
            }
            "HELO" => {
                self.greeted = true;
                self.reset();
                Reply::new(250, self.domain.to_string())
            }
            "MAIL" if self.messages >= self.limits.max_messages_per_session => {
                tracing::warn!(peer = %self.peer, "smtp: too many messages in one session");
                return (
                    Reply::new(
                        421,
                        format!(
                            "4.7.0 Too many messages in one session (at most {}); reconnect to send more",
                            self.limits.max_messages_per_session
                        ),
                    ),
                    Next::Close,
                );
            }
            "MAIL" => self.mail(argument),
            "RCPT" => self.rcpt(argument).await,
            "DATA" => {
                return match (&self.mail_from, self.recipients) {
                    (None, _) => (Reply::new(503, "5.5.1 Send MAIL first"), Next::Continue),
                    (Some(_), 0) => (Reply::new(554, "5.5.1 No valid recipients"), Next::Continue),
                    _ => {
                        self.messages += 1;
                        (
                            Reply::new(354, "Send the message; end with <CRLF>.<CRLF>"),
                            Next::ReadData,
                        )
                    }
                };
            }
            "RSET" => {
                self.reset();
                Reply::new(250, "2.0.0 OK")
            }
            "NOOP" => Reply::new(250, "2.0.0 OK"),
            "QUIT" => {
                return (
                    Reply::new(221, format!("2.0.0 {} closing connection", self.domain)),
                    Next::Close,
                );
            }
            "VRFY" => Reply::new(252, "2.5.2 Cannot verify, but will try to deliver"),
            "HELP" => Reply::new(
                214,
                "2.0.0 Send mail to <integration id>+<token>@domain: EHLO, MAIL, RCPT, DATA, QUIT",
            ),
            "STARTTLS" | "AUTH" | "BDAT" | "EXPN" | "ETRN" | "TURN" => {
                Reply::new(502, "5.5.1 Command not implemented")
            }
            _ => Reply::new(500, "5.5.2 Command not recognised"),
        };
        (reply, Next::Continue)
    }

    /// `MAIL FROM:<path> [SIZE=n] [BODY=7BIT|8BITMIME]`.
    fn mail(&mut self, argument: &str) -> Reply {
        if !self.greeted {
            return Reply::new(503, "5.5.1 Send EHLO or HELO first");
        }
        if self.mail_from.is_some() {
            return Reply::new(503, "5.5.1 A transaction is already open; send RSET first");
        }
        let Some((path, parameters)) = path_argument(argument, "FROM:") else {
            return Reply::new(501, "5.5.4 Syntax: MAIL FROM:<address>");
        };
        for parameter in parameters.split_whitespace() {
            let (key, value) = parameter.split_once('=').unwrap_or((parameter, ""));
            match key.to_ascii_uppercase().as_str() {
                "SIZE" => match value.parse::<u64>() {
                    Ok(size) if size > self.max_bytes as u64 => {
                        return Reply::new(
                            552,
                            format!(
                                "5.3.4 Message size exceeds the fixed maximum of {} bytes",
                                self.max_bytes
                            ),
                        );
                    }
                    Ok(_) => {}
                    Err(_) => return Reply::new(501, "5.5.4 SIZE needs a number of bytes"),
                },
                "BODY" if matches!(value.to_ascii_uppercase().as_str(), "7BIT" | "8BITMIME") => {}
                _ => {
                    return Reply::new(555, format!("5.5.4 Parameter {key} not supported"));
                }
            }
        }
        self.mail_from = Some(path.to_string());
        Reply::new(250, "2.1.0 Sender OK")
    }

    /// `RCPT TO:<integration id+token@domain>`: only enabled email integrations of this
    /// domain, with their token (or the plain id, from a configured relay).
    async fn rcpt(&mut self, argument: &str) -> Reply {
        if self.mail_from.is_none() {
            return Reply::new(503, "5.5.1 Send MAIL first");
        }
        let Some((path, _parameters)) = path_argument(argument, "TO:") else {
            return Reply::new(501, "5.5.4 Syntax: RCPT TO:<address>");
        };
        if self.recipients >= MAX_RECIPIENTS {
            return Reply::new(452, "4.5.3 Too many recipients");
        }
        let (id, token) = match recipient_integration(path, self.domain) {
            Recipient::Integration { id, token } => (id, token.map(str::to_string)),
            Recipient::OtherDomain => {
                return Reply::new(
                    550,
                    format!(
                        "5.7.1 Relaying denied: this server accepts mail only for <integration id>+<token>@{}",
                        self.domain
                    ),
                );
            }
            Recipient::NotAnIntegration => {
                return Reply::new(
                    550,
                    "5.1.1 No such mailbox: send to <integration id>+<token>@domain",
                );
            }
        };
        // Refused before any lookup, so a guesser learns nothing about which ids exist.
        if token.is_none() && !self.limits.is_relay(self.peer) {
            return Reply::new(
                550,
                format!(
                    "5.7.1 Send to <integration id>+<token>@{}: the address with its secret part is on the integration's settings page",
                    self.domain
                ),
            );
        }
        // The same answer for an unknown id, another kind of integration and a wrong token.
        let no_such_mailbox = || {
            Reply::new(
                550,
                "5.1.1 No such mailbox: no email integration has this address",
            )
        };
        let authorised =
            |row: &Integration| token.as_deref().is_none_or(|t| row.accepts_smtp_token(t));
        if let Some(current) = &self.integration {
            return if current.id != id {
                Reply::new(
                    452,
                    "4.5.3 One integration per message: send to the others in another transaction",
                )
            } else if authorised(current) {
                self.recipients += 1;
                Reply::new(250, "2.1.5 Recipient OK")
            } else {
                no_such_mailbox()
            };
        }
        let found = db::run(&self.state.pool, move |conn| {
            Ok(integration::find(conn, id).optional()?)
        })
        .await;
        match found {
            Ok(Some(row)) if row.is_email() && !authorised(&row) => {
                tracing::warn!(integration = %id, peer = %self.peer, "smtp: wrong recipient token");
                no_such_mailbox()
            }
            Ok(Some(row)) if row.is_email() && row.enabled => {
                self.integration = Some(row);
                self.recipients += 1;
                Reply::new(250, "2.1.5 Recipient OK")
            }
            Ok(Some(row)) if row.is_email() => {
                tracing::warn!(
                    integration = id.0,
                    "smtp: refused mail for a disabled integration"
                );
                Reply::new(550, "5.2.1 This email integration is disabled")
            }
            Ok(_) => no_such_mailbox(),
            Err(error) => {
                tracing::error!(cause = error.cause_chain(), "smtp: recipient lookup failed");
                Reply::new(451, "4.3.0 Temporary local problem, try again later")
            }
        }
    }

    /// Reads the message after 354 and stores it; the transaction ends either way.
    async fn data(&mut self, reader: &mut (impl AsyncBufReadExt + Unpin)) -> io::Result<Reply> {
        let timing = DataTiming {
            idle: self.limits.idle_timeout,
            until: self.deadline.min(Instant::now() + self.limits.data_timeout),
        };
        let body = read_data(reader, self.max_bytes, timing).await?;
        let integration = self.integration.take();
        self.reset();
        let raw = match body {
            Data::TimedOut => {
                tracing::warn!(peer = %self.peer, "smtp: message too slow, connection closed");
                return Ok(Reply::new(
                    421,
                    "4.4.2 Timed out receiving the message, closing",
                ));
            }
            Data::Complete(raw) => raw,
            Data::TooLarge(bytes) => {
                let refusal = Refusal::TooLarge {
                    bytes,
                    limit: self.max_bytes,
                };
                tracing::warn!(code = refusal.code(), reason = %refusal, "smtp: email refused");
                return Ok(refusal_reply(&refusal));
            }
            Data::LineTooLong => {
                return Ok(Reply::new(
                    554,
                    "5.6.0 A line of the message is longer than 1 MiB",
                ));
            }
            Data::Closed => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "connection closed during DATA",
                ));
            }
        };
        let Some(integration) = integration else {
            return Ok(Reply::new(503, "5.5.1 No recipient"));
        };
        // Only a configured relay's connection carries a verdict of the relay on top; anyone
        // else wrote every header of the message themselves.
        let handover = if self.limits.is_relay(self.peer) {
            inbound::Handover::SmtpRelay
        } else {
            inbound::Handover::SmtpDirect
        };
        Ok(
            match inbound::receive(self.state, &integration, raw, handover).await {
                Ok(received) if received.duplicate => Reply::new(
                    250,
                    format!(
                        "2.0.0 Already stored as message {} (duplicate Message-ID)",
                        received.message_id
                    ),
                ),
                Ok(received) => Reply::new(
                    250,
                    format!(
                        "2.0.0 Stored as message {} in conversation {} (sender {})",
                        received.message_id,
                        received.conversation_id,
                        if received.authenticated {
                            "authenticated"
                        } else {
                            "not authenticated"
                        }
                    ),
                ),
                Err(ReceiveError::Refused(refusal)) => refusal_reply(&refusal),
                // Already logged by `receive`; the sender keeps the message and retries.
                Err(ReceiveError::Failed(_)) => {
                    Reply::new(451, "4.3.0 Temporary local problem, try again later")
                }
            },
        )
    }
}

fn refusal_reply(refusal: &Refusal) -> Reply {
    let enhanced = match refusal.smtp_code() {
        552 => "5.3.4",
        550 => "5.7.1",
        _ => "5.6.0",
    };
    Reply::new(refusal.smtp_code(), format!("{enhanced} {refusal}"))
}

/// The 421 that ends a session past its maximum length.
fn session_too_long(domain: &str) -> Reply {
    Reply::new(
        421,
        format!("4.4.2 {domain} session too long, closing; reconnect to go on"),
    )
}

/// What reading the message found.
enum Data {
    Complete(Vec<u8>),
    /// Over the limit: reading went on to the end (to stay in sync), keeping nothing more.
    TooLarge(usize),
    LineTooLong,
    Closed,
    /// A line did not arrive within the idle time, or the message not before `until`.
    TimedOut,
}

/// How long reading a message may take.
#[derive(Clone, Copy)]
struct DataTiming {
    /// For each line to arrive whole.
    idle: Duration,
    /// For the whole message.
    until: Instant,
}

/// Reads lines up to the lone `.`, undoing dot-stuffing (RFC 5321 §4.5.2).
async fn read_data(
    reader: &mut (impl AsyncBufReadExt + Unpin),
    max: usize,
    timing: DataTiming,
) -> io::Result<Data> {
    let mut message = Vec::new();
    let mut line = Vec::with_capacity(1024);
    let mut seen = 0usize;
    let mut too_long = false;
    loop {
        let until = timing.until.min(Instant::now() + timing.idle);
        let read = tokio::time::timeout_at(until, read_line(reader, &mut line, MAX_DATA_LINE));
        let Ok(read) = read.await else {
            return Ok(Data::TimedOut);
        };
        match read? {
            Line::Closed => return Ok(Data::Closed),
            Line::TooLong => {
                too_long = true;
                continue;
            }
            Line::Complete => {}
        }
        if line == b".\r\n" || line == b".\n" {
            break;
        }
        let content = match line.strip_prefix(b".") {
            Some(rest) => rest,
            None => &line[..],
        };
        seen += content.len();
        if seen <= max {
            message.extend_from_slice(content);
        }
    }
    Ok(if too_long {
        Data::LineTooLong
    } else if seen > max {
        Data::TooLarge(seen)
    } else {
        Data::Complete(message)
    })
}

/// The address inside `FROM:<…>` / `TO:<…>` and the parameters after it.
fn path_argument<'l>(argument: &'l str, keyword: &str) -> Option<(&'l str, &'l str)> {
    let head = argument.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = argument[keyword.len()..].trim_start();
    let rest = rest.strip_prefix('<')?;
    let end = rest.find('>')?;
    Some((&rest[..end], rest[end + 1..].trim()))
}

enum Recipient<'p> {
    /// `<id>@domain` (no token) or `<id>+<token>@domain`.
    Integration {
        id: IntegrationId,
        token: Option<&'p str>,
    },
    OtherDomain,
    NotAnIntegration,
}

/// `42+k3y@mail.example.com` → integration 42 with token `k3y` (`42@…`: no token), when the
/// domain is ours (case and a trailing dot ignored). Source routes (`@a,@b:user@domain`) are
/// ignored as RFC 5321 allows.
fn recipient_integration<'p>(path: &'p str, domain: &str) -> Recipient<'p> {
    let path = path.rsplit(':').next().unwrap_or(path);
    let Some((local, recipient_domain)) = path.rsplit_once('@') else {
        return Recipient::NotAnIntegration;
    };
    if !recipient_domain
        .trim_end_matches('.')
        .eq_ignore_ascii_case(domain)
    {
        return Recipient::OtherDomain;
    }
    let (id, token) = match local.split_once('+') {
        Some((id, token)) => (id, Some(token)),
        None => (local, None),
    };
    match id.parse() {
        Ok(id) => Recipient::Integration { id, token },
        Err(_) => Recipient::NotAnIntegration,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Time enough for any test message.
    fn patient() -> DataTiming {
        DataTiming {
            idle: Duration::from_secs(60),
            until: Instant::now() + Duration::from_secs(60),
        }
    }

    async fn data_of(wire: &[u8], max: usize) -> Data {
        let mut reader = BufReader::new(wire);
        read_data(&mut reader, max, patient()).await.unwrap()
    }

    #[actix_web::test]
    async fn data_is_dot_unstuffed_up_to_the_lone_dot() {
        let wire = b"Subject: x\r\n\r\n..leading dot\r\n.\r\nnot read\r\n";
        match data_of(wire, 1000).await {
            Data::Complete(message) => assert_eq!(message, b"Subject: x\r\n\r\n.leading dot\r\n"),
            _ => panic!("expected a complete message"),
        }
        // Bare LF line ends are tolerated.
        match data_of(b"a\n.\n", 1000).await {
            Data::Complete(message) => assert_eq!(message, b"a\n"),
            _ => panic!("expected a complete message"),
        }
    }

    #[actix_web::test]
    async fn data_over_the_limit_is_read_to_the_end_and_refused() {
        let wire = b"0123456789\r\n0123456789\r\n.\r\nQUIT\r\n";
        let mut reader = BufReader::new(&wire[..]);
        match read_data(&mut reader, 15, patient()).await.unwrap() {
            Data::TooLarge(seen) => assert_eq!(seen, 24),
            _ => panic!("expected too large"),
        }
        let mut rest = Vec::new();
        assert!(matches!(
            read_line(&mut reader, &mut rest, 100).await.unwrap(),
            Line::Complete
        ));
        assert_eq!(rest, b"QUIT\r\n", "still in step with the client");
        assert!(matches!(data_of(b"abc", 100).await, Data::Closed));
    }

    #[actix_web::test]
    async fn long_lines_are_skipped_to_their_end() {
        let mut wire = vec![b'x'; 5000];
        wire.extend_from_slice(b"\r\nNOOP\r\n");
        let mut reader = BufReader::with_capacity(64, &wire[..]);
        let mut line = Vec::new();
        assert!(matches!(
            read_line(&mut reader, &mut line, MAX_COMMAND_LINE)
                .await
                .unwrap(),
            Line::TooLong
        ));
        assert!(matches!(
            read_line(&mut reader, &mut line, MAX_COMMAND_LINE)
                .await
                .unwrap(),
            Line::Complete
        ));
        assert_eq!(line, b"NOOP\r\n");
    }

    #[test]
    fn paths_and_recipients_are_read_leniently() {
        assert_eq!(
            path_argument("FROM:<ada@example.com> SIZE=10", "FROM:"),
            Some(("ada@example.com", "SIZE=10"))
        );
        assert_eq!(path_argument("from: <>", "FROM:"), Some(("", "")));
        assert_eq!(path_argument("FROM:ada@example.com", "FROM:"), None);
        assert_eq!(path_argument("TO:<x", "TO:"), None);
        assert!(matches!(
            recipient_integration("42@Mail.Example.com.", "mail.example.com"),
            Recipient::Integration {
                id: IntegrationId(42),
                token: None
            }
        ));
        assert!(matches!(
            recipient_integration("@relay.test:42@mail.example.com", "mail.example.com"),
            Recipient::Integration {
                id: IntegrationId(42),
                token: None
            }
        ));
        assert!(matches!(
            recipient_integration("42+a1b2c3@mail.example.com", "mail.example.com"),
            Recipient::Integration {
                id: IntegrationId(42),
                token: Some("a1b2c3")
            }
        ));
        assert!(matches!(
            recipient_integration("42+@mail.example.com", "mail.example.com"),
            Recipient::Integration {
                id: IntegrationId(42),
                token: Some("")
            }
        ));
        assert!(matches!(
            recipient_integration("x+a1b2@mail.example.com", "mail.example.com"),
            Recipient::NotAnIntegration
        ));
        assert!(matches!(
            recipient_integration("42@elsewhere.test", "mail.example.com"),
            Recipient::OtherDomain
        ));
        assert!(matches!(
            recipient_integration("support@mail.example.com", "mail.example.com"),
            Recipient::NotAnIntegration
        ));
        assert!(matches!(
            recipient_integration("-1@mail.example.com", "mail.example.com"),
            Recipient::NotAnIntegration
        ));
    }

    #[test]
    fn replies_are_rendered_as_ascii_lines() {
        let reply = Reply {
            code: 250,
            lines: vec!["a".into(), "b".into()],
        };
        assert_eq!(reply.render(), "250-a\r\n250 b\r\n");
        let reply = Reply::new(550, "5.7.1 José\r\nDATA");
        assert_eq!(reply.render(), "550 5.7.1 Jos???DATA\r\n");
        assert_eq!(
            refusal_reply(&Refusal::TooLarge { bytes: 9, limit: 5 }).code,
            552
        );
    }
}
