//! A form that works both ways. Without JavaScript the browser posts it to its server function
//! (which answers with a redirect back to the page); with JavaScript its fields become the
//! socket request of the same operation ([`FromFields`]), sent over the page's connection.
//! The store is not written from the reply: the server's event (`room_updated`,
//! `notifications`, …) reaches every tab of the user, this one too, and writes it once. The
//! reply only tells the view that the request went through ([`Sending`]): to close a
//! disclosure, empty a field, or go to a room.

use crate::client::{decode, payload, use_client};
use crate::protocol::{
    AddMemberRequest, CreateRoomRequest, ErrorBody, ErrorCode, MemberRequest, NotifyLevel,
    OpenDirectRequest, RemoveMemberRequest, Request, RoomName, SetNotificationsRequest,
    SetTopicRequest, Topic, Username,
};
use leptos::ev::SubmitEvent;
use leptos::html::Form;
use leptos::prelude::*;
use serde_json::Value;

/// A socket request read from a submitted form's fields by name. `None` when a required field
/// is missing (the browser then posts the form itself, and the server function answers it);
/// a field that is there but wrong is refused at once, as the server would refuse it.
pub trait FromFields: Request {
    /// Which form it is, for [`form_payload`].
    const FORM: FormKind;
    /// The fields it reads; all but `OPTIONAL` ones are required.
    const FIELDS: &'static [&'static str];
    const OPTIONAL: &'static [&'static str] = &[];
    fn from_fields(field: &dyn Fn(&str) -> Option<String>) -> Option<Result<Self, ErrorBody>>;
}

/// The forms that send a socket request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    SetTopic,
    SetNotifications,
    AddMember,
    RemoveMember,
    CreateRoom,
    OpenDirect,
}

/// The request payload of form `kind` whose [`FromFields::FIELDS`] hold `values`, or why the
/// fields are wrong. Reading and checking the fields is not part of the room page's WASM
/// (`#[lazy]`, fetched in the background when the page starts: client/changes.rs).
#[leptos::lazy]
pub fn form_payload(kind: FormKind, values: Vec<Option<String>>) -> Result<Value, ErrorBody> {
    fn read<R: FromFields>(values: &[Option<String>]) -> Result<Value, ErrorBody> {
        let field = |name: &str| {
            let i = R::FIELDS.iter().position(|f| *f == name)?;
            values.get(i).cloned().flatten()
        };
        match R::from_fields(&field) {
            Some(request) => request.map(|r| payload(&r)),
            None => Err(ErrorBody::new(
                ErrorCode::BadPayload,
                "A field of the form is missing.",
            )),
        }
    }
    match kind {
        FormKind::SetTopic => read::<SetTopicRequest>(&values),
        FormKind::SetNotifications => read::<SetNotificationsRequest>(&values),
        FormKind::AddMember => read::<AddMemberRequest>(&values),
        FormKind::RemoveMember => read::<RemoveMemberRequest>(&values),
        FormKind::CreateRoom => read::<CreateRoomRequest>(&values),
        FormKind::OpenDirect => read::<OpenDirectRequest>(&values),
    }
}

/// A name typed into a form: trimmed and lowercased. A valid name is ASCII, so ASCII
/// lowercasing gives what the server's `Username::parse` gives for every name it accepts
/// typed in ASCII, and keeps Unicode's case tables out of the page's WASM.
fn typed_username(raw: &str) -> Result<Username, ErrorBody> {
    Username::exact(&raw.trim().to_ascii_lowercase())
}

fn member(field: &dyn Fn(&str) -> Option<String>) -> Option<Result<MemberRequest, ErrorBody>> {
    let (room, username) = (field("room")?, field("username")?);
    Some((|| {
        Ok(MemberRequest {
            room: RoomName::parse(&room)?,
            username: typed_username(&username)?,
        })
    })())
}

impl FromFields for SetTopicRequest {
    const FORM: FormKind = FormKind::SetTopic;
    const FIELDS: &'static [&'static str] = &["room", "topic"];
    fn from_fields(field: &dyn Fn(&str) -> Option<String>) -> Option<Result<Self, ErrorBody>> {
        let (room, topic) = (field("room")?, field("topic")?);
        Some((|| {
            Ok(Self {
                room: RoomName::parse(&room)?,
                topic: Topic::parse(&topic)?,
            })
        })())
    }
}

impl FromFields for SetNotificationsRequest {
    const FORM: FormKind = FormKind::SetNotifications;
    const FIELDS: &'static [&'static str] = &["room", "level"];
    fn from_fields(field: &dyn Fn(&str) -> Option<String>) -> Option<Result<Self, ErrorBody>> {
        let (room, level) = (field("room")?, field("level")?);
        Some((|| {
            Ok(Self {
                room: RoomName::parse(&room)?,
                level: NotifyLevel::parse(&level).ok_or_else(|| {
                    ErrorBody::new(
                        ErrorCode::BadPayload,
                        "level must be one of all, mentions and muted.",
                    )
                })?,
            })
        })())
    }
}

impl FromFields for AddMemberRequest {
    const FORM: FormKind = FormKind::AddMember;
    const FIELDS: &'static [&'static str] = &["room", "username"];
    fn from_fields(field: &dyn Fn(&str) -> Option<String>) -> Option<Result<Self, ErrorBody>> {
        Some(member(field)?.map(Self))
    }
}

impl FromFields for RemoveMemberRequest {
    const FORM: FormKind = FormKind::RemoveMember;
    const FIELDS: &'static [&'static str] = &["room", "username"];
    fn from_fields(field: &dyn Fn(&str) -> Option<String>) -> Option<Result<Self, ErrorBody>> {
        Some(member(field)?.map(Self))
    }
}

impl FromFields for CreateRoomRequest {
    const FORM: FormKind = FormKind::CreateRoom;
    const FIELDS: &'static [&'static str] = &["name", "private"];
    const OPTIONAL: &'static [&'static str] = &["private"];
    fn from_fields(field: &dyn Fn(&str) -> Option<String>) -> Option<Result<Self, ErrorBody>> {
        let name = field("name")?;
        // A checkbox: there (any value) when ticked.
        let private = field("private").is_some();
        Some(RoomName::parse_new(name.trim()).map(|name| Self { name, private }))
    }
}

impl FromFields for OpenDirectRequest {
    const FORM: FormKind = FormKind::OpenDirect;
    const FIELDS: &'static [&'static str] = &["username"];
    fn from_fields(field: &dyn Fn(&str) -> Option<String>) -> Option<Result<Self, ErrorBody>> {
        Some(typed_username(&field("username")?).map(|username| Self { username }))
    }
}

/// What a [`SocketForm`] is doing: whether its request is out, and the last outcome. The reply
/// is kept as it came and read as `R`'s reply type when asked for, so the WASM holds one
/// sending task for every form, not one per request type.
pub struct Sending<R: Request> {
    pending: RwSignal<bool>,
    outcome: RwSignal<Option<Result<Value, ErrorBody>>>,
    request: std::marker::PhantomData<fn() -> R>,
}

impl<R: Request> Clone for Sending<R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R: Request> Copy for Sending<R> {}

impl<R: Request> Sending<R> {
    pub fn new() -> Self {
        Self {
            pending: RwSignal::new(false),
            outcome: RwSignal::new(None),
            request: std::marker::PhantomData,
        }
    }

    /// True while the request awaits its answer (tracked).
    pub fn pending(&self) -> bool {
        self.pending.get()
    }

    /// The last request's reply, once it went through (tracked).
    pub fn done(&self) -> Option<R::Reply> {
        self.outcome
            .with(|o| o.as_ref().and_then(|o| o.as_ref().ok()).cloned())
            .and_then(|v| decode(v).ok())
    }

    /// Why the last request was refused, as a sentence (tracked).
    pub fn error(&self) -> Option<String> {
        self.outcome.with(|o| match o {
            Some(Err(e)) => Some(e.message.clone()),
            Some(Ok(v)) => decode::<R::Reply>(v.clone()).err().map(|e| e.message),
            None => None,
        })
    }
}

impl<R: FromFields> Sending<R> {
    fn send(self, values: Vec<Option<String>>) {
        send(self.pending, self.outcome, R::FORM, R::EVENT, values);
    }
}

/// Reads a form's fields into its request and sends it (not generic: one task for every form).
fn send(
    pending: RwSignal<bool>,
    outcome: RwSignal<Option<Result<Value, ErrorBody>>>,
    form: FormKind,
    event: &'static str,
    values: Vec<Option<String>>,
) {
    let client = use_client();
    pending.set(true);
    leptos::task::spawn_local(async move {
        let answer = match form_payload(form, values).await {
            Ok(payload) => client.send_value(event, payload).await,
            Err(e) => Err(e),
        };
        pending.try_set(false);
        outcome.try_set(Some(answer));
    });
}

/// `<form method="post" action=…>` posting to server function URL `action` without
/// JavaScript, and sending request `R` over the socket with it; `sending` follows it.
#[component]
pub fn SocketForm<R>(
    /// The server function's URL (`ServerFn::url()`), for pages without JavaScript.
    action: &'static str,
    sending: Sending<R>,
    /// Receives the `<form>` element.
    #[prop(optional)]
    node_ref: NodeRef<Form>,
    children: Children,
) -> impl IntoView
where
    R: FromFields,
{
    let on_submit = move |ev: SubmitEvent| {
        if ev.default_prevented() {
            return;
        }
        // Without its fields (no form, a required one missing), the browser posts it itself.
        let Some(field) = crate::browser::submitted_fields(&ev) else {
            return;
        };
        let values: Vec<Option<String>> = R::FIELDS.iter().map(|name| field(name)).collect();
        let complete = R::FIELDS
            .iter()
            .zip(&values)
            .all(|(name, value)| value.is_some() || R::OPTIONAL.contains(name));
        if !complete {
            return;
        }
        ev.prevent_default();
        sending.send(values);
    };
    view! {
        <form method="post" action=action node_ref=node_ref on:submit=on_submit>
            {children()}
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn a_form_s_fields_become_its_socket_request_checked_as_the_server_checks_them() {
        let topic =
            SetTopicRequest::from_fields(&fields(&[("room", "general"), ("topic", " hi ")]));
        assert_eq!(topic.unwrap().unwrap().topic.as_str(), "hi");
        let add =
            AddMemberRequest::from_fields(&fields(&[("room", "ada/ops"), ("username", " Bob ")]));
        assert_eq!(add.unwrap().unwrap().0.username.as_str(), "bob");
        let create = CreateRoomRequest::from_fields(&fields(&[("name", " design ")]));
        let create = create.unwrap().unwrap();
        assert_eq!((create.name.as_str(), create.private), ("design", false));
        let private = CreateRoomRequest::from_fields(&fields(&[("name", "x"), ("private", "on")]));
        assert!(private.unwrap().unwrap().private);
        // A wrong field is refused with the server's code; a missing one leaves the form to the
        // browser.
        let bad = OpenDirectRequest::from_fields(&fields(&[("username", "no way")]));
        assert_eq!(bad.unwrap().unwrap_err().code, ErrorCode::InvalidUsername);
        let level = SetNotificationsRequest::from_fields(&fields(&[
            ("room", "general"),
            ("level", "loud"),
        ]));
        assert_eq!(level.unwrap().unwrap_err().code, ErrorCode::BadPayload);
        assert!(SetTopicRequest::from_fields(&fields(&[("room", "general")])).is_none());
    }
}
