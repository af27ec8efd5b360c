//! A TCP proxy (to PostgreSQL, to the SMTP server) that can be cut and restored, to take a
//! server away from a running service and give it back.
//!
//! Cut, its port refuses connections as a stopped server's would, yet stays this proxy's: a
//! socket bound to it with SO_REUSEPORT, never listening, holds it for the proxy's life. Were
//! the port let go, another test's server could be given it while cut, and the service would
//! talk to that one (a reminder "delivered" to another test's mail server).

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use socket2::{Domain, Socket, Type};

pub struct TcpProxy {
    pub port: u16,
    open: Arc<AtomicBool>,
    live: Arc<Mutex<Vec<TcpStream>>>,
    _holder: Socket,
}

/// A socket on 127.0.0.1:`port` (0: any free port) that other SO_REUSEPORT sockets of this
/// process may share.
fn shared_socket(port: u16) -> std::io::Result<Socket> {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None)?;
    socket.set_reuse_port(true)?;
    socket.bind(&SocketAddr::from(([127, 0, 0, 1], port)).into())?;
    Ok(socket)
}

fn listen_on(port: u16) -> std::io::Result<TcpListener> {
    let socket = shared_socket(port)?;
    socket.listen(128)?;
    let listener: TcpListener = socket.into();
    listener.set_nonblocking(true)?;
    Ok(listener)
}

impl TcpProxy {
    pub fn start(upstream: String) -> TcpProxy {
        let holder = shared_socket(0).expect("a port for the proxy");
        let port = holder
            .local_addr()
            .unwrap()
            .as_socket()
            .expect("an IP address")
            .port();
        let open = Arc::new(AtomicBool::new(true));
        let live: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (o, l) = (open.clone(), live.clone());
        std::thread::spawn(move || {
            loop {
                if !o.load(Ordering::SeqCst) {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                    continue;
                }
                let listener = listen_on(port).expect("the proxy's own port");
                while o.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((client, _)) => {
                            client.set_nonblocking(false).unwrap();
                            let Ok(server) = TcpStream::connect(&upstream) else {
                                continue;
                            };
                            let mut live = l.lock().unwrap();
                            live.push(client.try_clone().unwrap());
                            live.push(server.try_clone().unwrap());
                            pipe(client.try_clone().unwrap(), server.try_clone().unwrap());
                            pipe(server, client);
                        }
                        Err(_) => std::thread::sleep(std::time::Duration::from_millis(10)),
                    }
                }
                // Dropping the listener here makes the port refuse connections; the holder
                // keeps it ours.
            }
        });
        TcpProxy {
            port,
            open,
            live,
            _holder: holder,
        }
    }

    /// Refuses new connections and breaks the open ones.
    pub fn cut(&self) {
        self.open.store(false, Ordering::SeqCst);
        std::thread::sleep(std::time::Duration::from_millis(50));
        for stream in self.live.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    /// Takes connections again; returns once the port does.
    pub fn restore(&self) {
        self.open.store(true, Ordering::SeqCst);
        for _ in 0..500 {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        panic!("the proxy on port {} did not open again", self.port);
    }
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if to.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            }
        }
        let _ = to.shutdown(Shutdown::Both);
    });
}
