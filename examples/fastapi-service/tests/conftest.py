import os

# Before the app is imported: tests use an in-memory database, never a server.
os.environ["ORDERS_DATABASE_URL"] = "sqlite://"
