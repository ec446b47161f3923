//! The signed-in staff user, as an extractor. Loaded from the database on every request, so
//! disabling a user or changing a role takes effect at once.

use super::session::TypedSession;
use crate::db;
use crate::domain::{Role, StaffUserId};
use crate::error::AppError;
use crate::models::{Actor, staff_user};
use crate::startup::AppState;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
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
    /// Refuses viewers: every write handler calls this first.
    pub fn require_editor(&self) -> Result<(), AppError> {
        if self.role.can_edit() {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn can_edit(&self) -> bool {
        self.role.can_edit()
    }

    /// The audit trail's record of this user.
    pub fn actor(&self) -> Actor {
        Actor::Staff {
            id: self.id.0,
            name: self.name.clone(),
        }
    }
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move {
            if let Some(user) = request.extensions().get::<CurrentUser>() {
                return Ok(user.clone());
            }
            let session = TypedSession::from_request(&request, &mut Payload::None)
                .await
                .map_err(|_| AppError::NotAuthenticated)?;
            let user_id = session.user_id().ok_or(AppError::NotAuthenticated)?;
            let state = request
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| AppError::internal("application state missing"))?
                .clone();
            let row = db::run(&state.pool, move |conn| {
                Ok(staff_user::find(conn, user_id)?)
            })
            .await?;
            let Some(row) = row.filter(|user| user.is_active()) else {
                session.sign_out();
                return Err(AppError::NotAuthenticated);
            };
            let user = CurrentUser {
                id: row.id(),
                role: row.role(),
                name: row.name,
                email: row.email,
            };
            request.extensions_mut().insert(user.clone());
            Ok(user)
        })
    }
}
