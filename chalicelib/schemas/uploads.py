"""Body of the presigned-upload route."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from chalicelib.domain.uploads import NewUpload, Purpose
from chalicelib.schemas.common import Body, Text


class CreateUpload(Body):
    purpose: Purpose
    filename: Annotated[Text, StringConstraints(max_length=200)]
    content_type: Annotated[str, StringConstraints(max_length=100)]
    size: int = Field(ge=1, le=5 * 1024 * 1024 * 1024)

    def to_command(self) -> NewUpload:
        return NewUpload(purpose=self.purpose, filename=self.filename, content_type=self.content_type, size=self.size)
