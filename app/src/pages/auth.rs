//! The login and register pages: plain HTML forms that post to `/auth/login` and
//! `/auth/register` (they work before and without JavaScript) and come back here with
//! `?error=<code>` when something was wrong.

use crate::protocol::{
    ErrorCode, MAX_PASSWORD_CHARS, MAX_USERNAME_CHARS, MIN_PASSWORD_CHARS, MIN_USERNAME_CHARS,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn Login() -> impl IntoView {
    view! {
        <AuthForm
            title="Log in"
            action="/auth/login"
            submit="Log in"
            password_autocomplete="current-password"
            other_href="/register"
            other_text="No account yet? Register"
        />
    }
}

#[component]
pub fn Register() -> impl IntoView {
    view! {
        <AuthForm
            title="Create your account"
            action="/auth/register"
            submit="Register"
            password_autocomplete="new-password"
            other_href="/login"
            other_text="Have an account? Log in"
        />
    }
}

#[component]
fn AuthForm(
    title: &'static str,
    action: &'static str,
    submit: &'static str,
    password_autocomplete: &'static str,
    other_href: &'static str,
    other_text: &'static str,
) -> impl IntoView {
    let query = use_query_map();
    let get = move |k: &str| query.with_untracked(|q| q.get(k)).unwrap_or_default();
    let (error, username, next) = (get("error"), get("username"), get("next"));
    let registering = action.ends_with("register");
    let message = error_sentence(&error, registering);
    let other = if next.is_empty() {
        other_href.to_owned()
    } else {
        format!("{other_href}?{}", crate::pages::next_query(&next))
    };
    view! {
        <Title text=title/>
        <main class="auth" id="main">
            <a class="brand" href="/">"Natter"</a>
            <form class="auth-form" method="post" action=action>
                <h1>{title}</h1>
                {message.map(|m| view! { <p class="error" role="alert" id="auth-error">{m}</p> })}
                <input type="hidden" name="next" value=next/>
                <label for="username">"Username"</label>
                <input
                    id="username"
                    name="username"
                    type="text"
                    required
                    autofocus
                    autocomplete="username"
                    autocapitalize="none"
                    spellcheck="false"
                    minlength=MIN_USERNAME_CHARS
                    maxlength=MAX_USERNAME_CHARS
                    value=username
                    aria-describedby=registering.then_some("username-help")
                />
                {registering.then(|| view! {
                    <p id="username-help" class="help">
                        {format!("{MIN_USERNAME_CHARS} to {MAX_USERNAME_CHARS} letters, digits, - and _, starting with a letter.")}
                    </p>
                })}
                <label for="password">"Password"</label>
                <input
                    id="password"
                    name="password"
                    type="password"
                    required
                    autocomplete=password_autocomplete
                    minlength=registering.then_some(MIN_PASSWORD_CHARS)
                    maxlength=MAX_PASSWORD_CHARS
                    aria-describedby=registering.then_some("password-help")
                />
                {registering.then(|| view! {
                    <p id="password-help" class="help">{format!("At least {MIN_PASSWORD_CHARS} characters.")}</p>
                })}
                <button type="submit" class="button">{submit}</button>
                // A page load: each of the two pages is split out (pages/lazy.rs; sidebar.rs says why).
                <p class="switch"><a href=other rel="external">{other_text}</a></p>
            </form>
        </main>
    }
}

/// What to tell the user for an error code the auth endpoints sent back.
fn error_sentence(code: &str, registering: bool) -> Option<String> {
    if code.is_empty() {
        return None;
    }
    let code = serde_json::from_value::<ErrorCode>(serde_json::Value::String(code.into())).ok();
    Some(
        match code {
            Some(ErrorCode::BadCredentials) => "Wrong username or password.".to_owned(),
            Some(ErrorCode::TooManyAttempts) => {
                "Too many failed logins for this username. Wait a little and try again.".into()
            }
            Some(ErrorCode::UsernameTaken) => {
                "That username is taken. Please choose another.".into()
            }
            Some(ErrorCode::InvalidUsername) => format!(
                "Usernames are {MIN_USERNAME_CHARS} to {MAX_USERNAME_CHARS} letters, digits, - and _, starting with a letter."
            ),
            Some(ErrorCode::InvalidPassword) => format!(
                "Passwords are {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters."
            ),
            Some(ErrorCode::NotAuthenticated) => "Please log in.".into(),
            Some(ErrorCode::Forbidden) if registering => {
                "Registration is closed on this server. Ask its administrator for an account."
                    .into()
            }
            Some(ErrorCode::RateLimited) if registering => {
                "Too many accounts were created from your network just now. Try again later."
                    .into()
            }
            _ if registering => "The account could not be created. Please try again.".into(),
            _ => "Logging in failed. Please try again.".into(),
        },
    )
}
