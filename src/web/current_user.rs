//! The signed-in staff user. Loaded from the database on every request (see
//! [`super::context`]), so disabling a user or changing a role takes effect at once.

use super::context;
use super::session::TypedSession;
use crate::domain::{Role, StaffUserId};
use crate::error::AppError;
use crate::models::Actor;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use std::future::Future;
use std::pin::Pin;

#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: StaffUserId,
    pub name: String,
    pub email: String,
    pub role: Role,
}

impl CurrentUser {
    pub fn can_edit(&self) -> bool {
        self.role.can_edit()
    }

    /// The audit trail's record of this user.
    pub fn actor(&self) -> Actor {
        Actor::Staff {
            id: self.id,
            name: self.name.clone(),
        }
    }
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    /// The same lookup as [`super::context::Dashboard`]'s, on the request's connection.
    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move {
            let state = context::app_state(&request)?;
            let session = TypedSession::from_request(&request, &mut Payload::None)
                .await
                .map_err(|_| AppError::NotAuthenticated)?;
            let db = context::request_db(&request, &state);
            context::signed_in_user(&request, &session, &db).await
        })
    }
}
