//! Staff users: the people who sign in to the dashboard.

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

/// Replaces a user's password hash; returns whether the user exists.
pub fn set_password_hash(
    connection: &mut PgConnection,
    id: StaffUserId,
    hash: &str,
) -> QueryResult<bool> {
    let updated = diesel::update(staff_users::table.find(id))
        .set((
            staff_users::password_hash.eq(hash),
            staff_users::version.eq(staff_users::version + 1),
        ))
        .execute(connection)?;
    Ok(updated == 1)
}

pub fn record_sign_in(connection: &mut PgConnection, id: StaffUserId) -> QueryResult<()> {
    diesel::update(staff_users::table.find(id))
        .set(staff_users::last_login_at.eq(diesel::dsl::now))
        .execute(connection)?;
    Ok(())
}

pub fn count(connection: &mut PgConnection) -> QueryResult<i64> {
    staff_users::table.count().get_result(connection)
}
