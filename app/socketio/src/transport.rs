//! The two ways Engine.IO carries packets in the browser: a WebSocket, or HTTP long-polling
//! (a GET that waits for packets, POSTs that carry them the other way).

use crate::packet::RECORD_SEPARATOR;
use crate::Transport;
use std::any::Any;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{CloseEvent, Event, MessageEvent, RequestInit, Response, WebSocket};

/// The live connection of a socket.
pub enum Conn {
    Ws(WsConn),
    Polling(Rc<PollingConn>),
}

impl Conn {
    pub fn transport(&self) -> Transport {
        match self {
            Conn::Ws(_) => Transport::Websocket,
            Conn::Polling(_) => Transport::Polling,
        }
    }
}

/// A WebSocket with its callbacks; dropping it detaches them and closes the socket.
pub struct WsConn {
    ws: WebSocket,
    _closures: Vec<Box<dyn Any>>,
}

impl WsConn {
    pub fn open(
        url: &str,
        mut on_open: impl FnMut() + 'static,
        mut on_text: impl FnMut(String) + 'static,
        mut on_close: impl FnMut() + 'static,
    ) -> Result<Self, JsValue> {
        let ws = WebSocket::new(url)?;
        let open = Closure::<dyn FnMut(Event)>::new(move |_e: Event| on_open());
        let message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            if let Some(text) = e.data().as_string() {
                on_text(text);
            }
        });
        let close = Closure::<dyn FnMut(CloseEvent)>::new(move |_e: CloseEvent| on_close());
        ws.set_onopen(Some(open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(close.as_ref().unchecked_ref()));
        Ok(Self {
            ws,
            _closures: vec![Box::new(open), Box::new(message), Box::new(close)],
        })
    }

    pub fn send(&self, text: &str) -> bool {
        self.ws.send_with_str(text).is_ok()
    }
}

impl Drop for WsConn {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
    }
}

/// An Engine.IO long-polling session.
pub struct PollingConn {
    /// The session's URL, `sid` included.
    pub url: String,
    queue: RefCell<Vec<String>>,
    posting: Cell<bool>,
    /// Set when the session ends: the poll loop stops.
    pub closed: Cell<bool>,
    /// Set while upgrading to a WebSocket: no new GET, no new POST.
    pub paused: Cell<bool>,
}

impl PollingConn {
    pub fn new(url: String) -> Rc<Self> {
        Rc::new(Self {
            url,
            queue: RefCell::default(),
            posting: Cell::new(false),
            closed: Cell::new(false),
            paused: Cell::new(false),
        })
    }

    /// Queues a packet; POSTs go out one at a time, each carrying all that is queued.
    pub fn send(self: &Rc<Self>, text: String, on_error: Rc<dyn Fn()>) {
        self.queue.borrow_mut().push(text);
        self.flush(on_error);
    }

    pub fn flush(self: &Rc<Self>, on_error: Rc<dyn Fn()>) {
        if self.posting.get()
            || self.paused.get()
            || self.closed.get()
            || self.queue.borrow().is_empty()
        {
            return;
        }
        let body = self.queue.take().join(&RECORD_SEPARATOR.to_string());
        self.posting.set(true);
        let this = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let result = http("POST", &this.url, Some(&body)).await;
            this.posting.set(false);
            match result {
                Ok(_) => this.flush(on_error),
                Err(_) if !this.closed.get() => on_error(),
                Err(_) => {}
            }
        });
    }

    /// True when no POST is under way.
    pub fn idle(&self) -> bool {
        !self.posting.get()
    }

    /// Takes the packets not yet POSTed (to send them over the upgraded WebSocket).
    pub fn take_queue(&self) -> Vec<String> {
        self.queue.take()
    }
}

/// One HTTP request; the body of a 2xx answer, or why not.
pub async fn http(method: &str, url: &str, body: Option<&str>) -> Result<String, String> {
    let window = web_sys::window().ok_or("no window")?;
    let init = RequestInit::new();
    init.set_method(method);
    if let Some(body) = body {
        init.set_body(&JsValue::from_str(body));
    }
    let response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(|e| format!("{e:?}"))?;
    let response: Response = response.dyn_into().map_err(|_| "not a response")?;
    if !response.ok() {
        return Err(format!("HTTP {}", response.status()));
    }
    let text = JsFuture::from(response.text().map_err(|e| format!("{e:?}"))?)
        .await
        .map_err(|e| format!("{e:?}"))?;
    Ok(text.as_string().unwrap_or_default())
}
