"""The server family: the VCS configuration a server announces."""

from __future__ import annotations

from terrateam_core.models._base import ResponseModel

__all__ = ["GithubServerConfig", "GitlabServerConfig", "ServerConfig"]


class GithubServerConfig(ResponseModel):
    """GitHub settings of the server."""

    api_base_url: str | None = None
    app_client_id: str | None = None
    app_url: str | None = None
    web_base_url: str | None = None


class GitlabServerConfig(ResponseModel):
    """GitLab settings of the server."""

    api_base_url: str | None = None
    app_id: str | None = None
    redirect_url: str | None = None
    web_base_url: str | None = None


class ServerConfig(ResponseModel):
    """``GET /api/v1/server/config``: a key per configured VCS."""

    github: GithubServerConfig | None = None
    gitlab: GitlabServerConfig | None = None
