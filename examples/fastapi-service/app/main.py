"""HTTP routes of the orders service."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, status
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import Order, get_session, init_db
from app.settings import get_settings


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    init_db()
    yield


settings = get_settings()
app = FastAPI(title=settings.app_name, debug=settings.debug, lifespan=lifespan)

SessionDep = Annotated[Session, Depends(get_session)]


class OrderIn(BaseModel):
    customer: str = Field(min_length=1, max_length=200)
    item: str = Field(min_length=1, max_length=200)
    quantity: int = Field(default=1, ge=1, le=1000)


class OrderOut(OrderIn):
    id: int
    created_at: datetime


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/orders", response_model=OrderOut, status_code=status.HTTP_201_CREATED)
def create_order(order: OrderIn, session: SessionDep) -> Order:
    row = Order(**order.model_dump())
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


@app.get("/orders", response_model=list[OrderOut])
def list_orders(session: SessionDep, limit: int = 50) -> list[Order]:
    return list(session.scalars(select(Order).order_by(Order.id).limit(limit)))


@app.get("/orders/{order_id}", response_model=OrderOut)
def get_order(order_id: int, session: SessionDep) -> Order:
    row = session.get(Order, order_id)
    if row is None:
        raise HTTPException(status_code=404, detail="order not found")
    return row
