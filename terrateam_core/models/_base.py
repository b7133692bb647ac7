"""Base classes: lenient response models, strict request models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["RequestModel", "ResponseModel"]


class ResponseModel(BaseModel):
    """A server response: unknown fields are ignored and enums stay open (plain ``str``)."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class RequestModel(BaseModel):
    """A request body: unknown fields are an error; unset fields are not sent."""

    model_config = ConfigDict(extra="forbid", frozen=True)
