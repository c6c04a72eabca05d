"""Alembic environment: runs the migrations in versions/ on the URL `bot.db.migrate` passes."""
from alembic import context
from sqlalchemy import create_engine

from bot.db import Base

url = context.config.get_main_option("sqlalchemy.url")
connectable = create_engine(url)
with connectable.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
connectable.dispose()
