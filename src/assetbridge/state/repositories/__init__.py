"""Small typed repositories over a SQLAlchemy ``Session``; none of them commits (the caller does)."""
