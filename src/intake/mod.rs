//! Intake: contacts and conversations that arrive on their own, through an email
//! integration or the website widget (DESIGN.md §6). Handlers stay thin; each concept has
//! its own module.

pub mod email;
