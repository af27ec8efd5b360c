//! A real SMTP server in the test process, on 127.0.0.1, that keeps what it receives. It can
//! answer a temporary failure, and refuses recipients at `bounce.example` for good (550).

use std::net::{IpAddr, TcpListener};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use mailin_embedded::{Handler, Response, Server, SslConfig, response};

#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    pub data: Vec<u8>,
    /// Which SMTP connection carried it (numbered from 1 in the order they greeted).
    pub connection: usize,
}

impl Received {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.data)
            .expect("a parseable message")
    }

    pub fn message_id(&self) -> String {
        self.parsed().message_id().unwrap_or_default().to_string()
    }

    pub fn subject(&self) -> String {
        self.parsed().subject().unwrap_or_default().to_string()
    }

    pub fn text(&self) -> String {
        self.parsed()
            .body_text(0)
            .map(|t| t.replace("\r\n", "\n"))
            .unwrap_or_default()
    }

    pub fn html(&self) -> String {
        self.parsed()
            .body_html(0)
            .map(|t| t.replace("\r\n", "\n"))
            .unwrap_or_default()
    }

    /// The link to the acknowledgement page in the text part.
    pub fn ack_path(&self) -> String {
        let text = self.text();
        let start = text.find("/ack/").expect("an acknowledgement link");
        text[start..].split_whitespace().next().unwrap().to_string()
    }
}

#[derive(Default)]
struct Shared {
    received: Mutex<Vec<Received>>,
    /// Answer every message with this temporary failure (e.g. 451) instead of accepting it.
    temporary_failure: Mutex<Option<u16>>,
    /// Defer (451) only the recipients at this domain, as a relay to the outside would.
    deferred_domain: Mutex<Option<String>>,
    connections: AtomicUsize,
    /// While set, a message's end of data is not answered: the sender waits mid-send.
    stalled: Mutex<bool>,
    unstalled: Condvar,
    /// Called after a message is accepted, before the sender hears so.
    on_accept: Mutex<Option<Box<dyn Fn() + Send>>>,
}

#[derive(Clone)]
struct Sink {
    shared: Arc<Shared>,
    to: Vec<String>,
    data: Vec<u8>,
    connection: usize,
}

impl Handler for Sink {
    fn helo(&mut self, _ip: IpAddr, _domain: &str) -> Response {
        self.connection = self.shared.connections.fetch_add(1, Ordering::SeqCst) + 1;
        response::OK
    }

    fn rcpt(&mut self, to: &str) -> Response {
        if to.ends_with("@bounce.example") {
            return response::NO_MAILBOX;
        }
        if let Some(domain) = &*self.shared.deferred_domain.lock().unwrap()
            && to.ends_with(&format!("@{domain}"))
        {
            return Response::custom(451, "try again later".into());
        }
        if let Some(code) = *self.shared.temporary_failure.lock().unwrap() {
            // As a greylisting server answers.
            return Response::custom(code, "try again later".into());
        }
        response::OK
    }

    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.to = to.to_vec();
        self.data.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let stalled = self.shared.stalled.lock().unwrap();
        drop(self.shared.unstalled.wait_while(stalled, |s| *s).unwrap());
        self.shared.received.lock().unwrap().push(Received {
            to: std::mem::take(&mut self.to),
            data: std::mem::take(&mut self.data),
            connection: self.connection,
        });
        if let Some(hook) = &*self.shared.on_accept.lock().unwrap() {
            hook();
        }
        response::OK
    }
}

pub struct SmtpServer {
    pub port: u16,
    shared: Arc<Shared>,
}

impl SmtpServer {
    pub fn start() -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared::default());
        let sink = Sink {
            shared: shared.clone(),
            to: Vec::new(),
            data: Vec::new(),
            connection: 0,
        };
        let mut server = Server::new(sink);
        server
            .with_name("smtp.test")
            .with_ssl(SslConfig::None)
            .unwrap()
            // More than the sender pool holds open, or pooled idle connections starve the rest.
            .with_num_threads(8)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        SmtpServer { port, shared }
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    pub fn to(&self, address: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.to.iter().any(|t| t == address))
            .collect()
    }

    pub fn fail_temporarily(&self, code: Option<u16>) {
        *self.shared.temporary_failure.lock().unwrap() = code;
    }

    /// Holds (true) or lets go (false) every message at its end of data, unanswered.
    pub fn stall(&self, stalled: bool) {
        *self.shared.stalled.lock().unwrap() = stalled;
        self.shared.unstalled.notify_all();
    }

    /// Runs `hook` after each message is accepted, before the sender hears so.
    pub fn on_accept(&self, hook: impl Fn() + Send + 'static) {
        *self.shared.on_accept.lock().unwrap() = Some(Box::new(hook));
    }

    /// Defers every recipient at `domain` (None: accept them again).
    pub fn defer_domain(&self, domain: Option<&str>) {
        *self.shared.deferred_domain.lock().unwrap() = domain.map(str::to_string);
    }
}
