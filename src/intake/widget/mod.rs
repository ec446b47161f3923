//! The website widget (issue 5, DESIGN.md §6): `static/widget.js` on a customer's site talks
//! to these endpoints. A visitor starts a session (their details checked against the widget's
//! settings, their identity verified when the site signs it), sends messages and polls for
//! replies with the session token. [`cors::guard`] admits only the widget's allowed origins
//! and applies the rate limits; the sessions themselves live in
//! [`crate::models::widget_session`].

pub mod cors;
pub mod handlers;
pub mod identity;
pub mod limits;
pub mod request;
pub mod settings;
pub mod token;
