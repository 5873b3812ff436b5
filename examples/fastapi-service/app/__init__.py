"""The orders service: a small FastAPI app that stores orders in a SQL database."""
