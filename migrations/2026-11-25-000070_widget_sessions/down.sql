DROP TABLE widget_sessions;
