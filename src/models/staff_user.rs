//! Staff users: the people who sign in to the dashboard.
//!
//! Each user has a session epoch, stored in every session at sign-in and compared on every
//! request (`web::context::signed_in_user`): whatever should end a user's sessions adds one
//! to it in the same statement as the change itself (a new password, role or disabling, a
//! sign-out), so no session outlives it.

use super::schema::staff_users;
use super::sql::lower;
use crate::domain::{Role, StaffUserId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = staff_users)]
pub struct StaffUser {
    pub id: StaffUserId,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub role: String,
    pub disabled_at: Option<DateTime<Utc>>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Sessions signed in at another epoch are refused (see the module docs).
    pub session_epoch: i32,
}

impl StaffUser {
    /// The stored role; an unknown value (impossible under the CHECK constraint) is treated
    /// as the least powerful role.
    pub fn role(&self) -> Role {
        self.role.parse().unwrap_or(Role::Viewer)
    }

    pub fn is_active(&self) -> bool {
        self.disabled_at.is_none()
    }
}

#[derive(Insertable)]
#[diesel(table_name = staff_users)]
pub struct NewStaffUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
}

pub fn find(connection: &mut PgConnection, id: StaffUserId) -> QueryResult<Option<StaffUser>> {
    staff_users::table
        .find(id)
        .select(StaffUser::as_select())
        .first(connection)
        .optional()
}

/// Looks a user up by email, ignoring case.
pub fn find_by_email(connection: &mut PgConnection, email: &str) -> QueryResult<Option<StaffUser>> {
    staff_users::table
        .filter(lower(staff_users::email.nullable()).eq(email.trim().to_lowercase()))
        .select(StaffUser::as_select())
        .first(connection)
        .optional()
}

pub fn insert(connection: &mut PgConnection, user: &NewStaffUser<'_>) -> QueryResult<StaffUser> {
    diesel::insert_into(staff_users::table)
        .values(user)
        .returning(StaffUser::as_returning())
        .get_result(connection)
}

/// Replaces a user's password hash and ends their sessions; returns whether the user exists.
pub fn set_password_hash(
    connection: &mut PgConnection,
    id: StaffUserId,
    hash: &str,
) -> QueryResult<bool> {
    let updated = diesel::update(staff_users::table.find(id))
        .set((
            staff_users::password_hash.eq(hash),
            staff_users::version.eq(staff_users::version + 1),
            staff_users::session_epoch.eq(staff_users::session_epoch + 1),
        ))
        .execute(connection)?;
    Ok(updated == 1)
}

/// Gives a user another role and ends their sessions, so no page keeps the powers of the old
/// one; returns whether the user exists.
pub fn set_role(connection: &mut PgConnection, id: StaffUserId, role: Role) -> QueryResult<bool> {
    let updated = diesel::update(staff_users::table.find(id))
        .set((
            staff_users::role.eq(role.as_str()),
            staff_users::version.eq(staff_users::version + 1),
            staff_users::session_epoch.eq(staff_users::session_epoch + 1),
        ))
        .execute(connection)?;
    Ok(updated == 1)
}

/// Disables a user (they can no longer sign in) or enables them again; either way their
/// sessions end. Returns whether the user exists.
pub fn set_disabled(
    connection: &mut PgConnection,
    id: StaffUserId,
    disabled: bool,
) -> QueryResult<bool> {
    let disabled_at = disabled.then(Utc::now);
    let updated = diesel::update(staff_users::table.find(id))
        .set((
            staff_users::disabled_at.eq(disabled_at),
            staff_users::version.eq(staff_users::version + 1),
            staff_users::session_epoch.eq(staff_users::session_epoch + 1),
        ))
        .execute(connection)?;
    Ok(updated == 1)
}

/// Ends every session of the user signed in at `epoch` (signing out, "Sign out everywhere").
/// Returns false when they had already ended, so a copy of a signed-out cookie cannot end
/// the sessions opened since.
pub fn end_sessions(
    connection: &mut PgConnection,
    id: StaffUserId,
    epoch: i32,
) -> QueryResult<bool> {
    let updated = diesel::update(
        staff_users::table
            .find(id)
            .filter(staff_users::session_epoch.eq(epoch)),
    )
    .set(staff_users::session_epoch.eq(staff_users::session_epoch + 1))
    .execute(connection)?;
    Ok(updated == 1)
}

/// Records a sign-in on an active account and returns the epoch the new session carries;
/// `None` when the account was disabled or deleted since its password was checked.
pub fn record_sign_in(connection: &mut PgConnection, id: StaffUserId) -> QueryResult<Option<i32>> {
    diesel::update(
        staff_users::table
            .find(id)
            .filter(staff_users::disabled_at.is_null()),
    )
    .set(staff_users::last_login_at.eq(diesel::dsl::now))
    .returning(staff_users::session_epoch)
    .get_result(connection)
    .optional()
}

pub fn count(connection: &mut PgConnection) -> QueryResult<i64> {
    staff_users::table.count().get_result(connection)
}
