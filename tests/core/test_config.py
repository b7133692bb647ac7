"""Settings precedence, TTM_API_KEY classification, profiles."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from core.fakes import API_KEY, RUN_TOKEN
from terrateam_core import ConfigurationError, TerrateamClient
from terrateam_core.config import load_settings, write_profile


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    """A config file path in a temp dir (not created)."""
    return tmp_path / "terrateam" / "config.toml"


def test_no_credential_names_every_place(cfg: Path) -> None:
    """The error lists the arguments, the three variables and the profile file."""
    with pytest.raises(ConfigurationError) as info:
        load_settings(env={"TERRATEAM_CONFIG_FILE": str(cfg)})
    msg = str(info.value)
    assert info.value.setting == "credential"
    for place in (
        "api_key",
        "access_token",
        "TERRATEAM_API_KEY",
        "TERRATEAM_ACCESS_TOKEN",
        "TTM_API_KEY",
        str(cfg),
        "not found",
    ):
        assert place in msg


def test_precedence_argument_env_profile_default(cfg: Path) -> None:
    """explicit > env > profile > default, field by field."""
    write_profile(
        "default",
        api_key="from-profile",
        base_url="http://profile",
        vcs="gitlab",
        installation_id=7,
        path=cfg,
    )
    env = {"TERRATEAM_CONFIG_FILE": str(cfg)}
    s = load_settings(env=env)
    assert (s.api_key.get_secret_value(), s.base_url, s.vcs, s.installation_id) == (  # type: ignore[union-attr]
        "from-profile",
        "http://profile",
        "gitlab",
        7,
    )
    env |= {
        "TERRATEAM_API_KEY": "from-env",
        "TERRATEAM_BASE_URL": "http://env/",
        "TERRATEAM_INSTALLATION_ID": "8",
    }
    s = load_settings(env=env)
    assert (s.api_key.get_secret_value(), s.base_url, s.installation_id) == (  # type: ignore[union-attr]
        "from-env",
        "http://env",
        8,
    )
    s = load_settings(
        api_key="arg", base_url="http://arg", installation_id=9, vcs="github", env=env
    )
    assert (s.api_key.get_secret_value(), s.base_url, s.vcs, s.installation_id) == (  # type: ignore[union-attr]
        "arg",
        "http://arg",
        "github",
        9,
    )
    assert s.credential_source == "api_key argument"


def test_default_base_url_and_vcs(cfg: Path) -> None:
    """Without anything else: https://app.terrateam.io and github."""
    s = load_settings(api_key="k", env={"TERRATEAM_CONFIG_FILE": str(cfg)})
    assert (s.base_url, s.vcs, s.installation_id) == ("https://app.terrateam.io", "github", None)


def test_ttm_api_key_classified(cfg: Path) -> None:
    """TTM_API_KEY: a refresh-only key is exchanged, a run token is used as is."""
    env = {"TERRATEAM_CONFIG_FILE": str(cfg), "TTM_API_KEY": API_KEY}
    s = load_settings(env=env)
    assert s.api_key is not None
    assert s.access_token is None
    env["TTM_API_KEY"] = RUN_TOKEN
    s = load_settings(env=env)
    assert s.access_token is not None
    assert s.api_key is None
    assert s.credential_source == "TTM_API_KEY"


def test_terrateam_api_key_beats_ttm(cfg: Path) -> None:
    """TERRATEAM_* credentials win over the TTM_API_KEY fallback."""
    env = {"TERRATEAM_CONFIG_FILE": str(cfg), "TTM_API_KEY": RUN_TOKEN, "TERRATEAM_API_KEY": "k"}
    assert load_settings(env=env).credential_source == "TERRATEAM_API_KEY"


def test_named_profile_and_unknown_profile(cfg: Path) -> None:
    """TERRATEAM_PROFILE selects a profile; an unknown explicit profile is an error."""
    write_profile("staging", api_key="stage-key", base_url="http://stage", path=cfg)
    env = {"TERRATEAM_CONFIG_FILE": str(cfg), "TERRATEAM_PROFILE": "staging"}
    assert load_settings(env=env).base_url == "http://stage"
    with pytest.raises(ConfigurationError, match="nope"):
        load_settings(profile="nope", env=env)


def test_write_profile_is_private_and_keeps_others(cfg: Path) -> None:
    """The file is mode 0600 and other profiles survive a rewrite."""
    write_profile("a", api_key="ka", path=cfg)
    write_profile("b", api_key="kb", installation_id=5, path=cfg)
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o600
    env = {"TERRATEAM_CONFIG_FILE": str(cfg)}
    assert load_settings(profile="a", env=env).api_key.get_secret_value() == "ka"  # type: ignore[union-attr]
    assert load_settings(profile="b", env=env).installation_id == 5


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"base_url": "ftp://x"}, "http"),
        ({"vcs": "bitbucket"}, "vcs"),
        ({"installation_id": "abc"}, "integer"),
        ({"access_token": "t"}, "not both"),
    ],
)
def test_bad_values_are_configuration_errors(cfg: Path, kw: dict[str, str], match: str) -> None:
    """Bad explicit values fail early with a clear message."""
    with pytest.raises(ConfigurationError, match=match):
        load_settings(api_key="k", env={"TERRATEAM_CONFIG_FILE": str(cfg)}, **kw)  # type: ignore[arg-type]


def test_client_reads_environment_at_construction(
    cfg: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client reads TERRATEAM_* when it is built, not at import."""
    monkeypatch.setenv("TERRATEAM_CONFIG_FILE", str(cfg))
    monkeypatch.setenv("TERRATEAM_API_KEY", "k1")
    monkeypatch.setenv("TERRATEAM_BASE_URL", "http://one")
    with TerrateamClient() as c1:
        assert c1.base_url == "http://one"
    monkeypatch.setenv("TERRATEAM_BASE_URL", "http://two")
    with TerrateamClient() as c2:
        assert c2.base_url == "http://two"


def test_settings_repr_hides_the_key(cfg: Path) -> None:
    """ClientSettings' repr names the credential's source, never its value."""
    s = load_settings(api_key=API_KEY, env={"TERRATEAM_CONFIG_FILE": str(cfg)})
    assert API_KEY not in repr(s)
    assert API_KEY not in str(s)


def test_max_retries_from_env__default_value_and_bad_value() -> None:
    """TERRATEAM_MAX_RETRIES sets the retries; unset means 3; junk names the variable."""
    from terrateam_core.config import max_retries_from_env

    assert max_retries_from_env({}) == 3
    assert max_retries_from_env({"TERRATEAM_MAX_RETRIES": "8"}) == 8
    assert max_retries_from_env({"TERRATEAM_MAX_RETRIES": "0"}) == 0
    for bad in ("-1", "many"):
        with pytest.raises(ConfigurationError, match="TERRATEAM_MAX_RETRIES"):
            max_retries_from_env({"TERRATEAM_MAX_RETRIES": bad})


def test_client_takes_max_retries_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """A client built without max_retries reads TERRATEAM_MAX_RETRIES; an argument wins."""
    from terrateam_core import TerrateamClient

    monkeypatch.setenv("TERRATEAM_MAX_RETRIES", "7")
    with TerrateamClient(api_key="k", base_url="http://127.0.0.1:9") as client:
        assert client._policy.max_retries == 7
    with TerrateamClient(api_key="k", base_url="http://127.0.0.1:9", max_retries=1) as client:
        assert client._policy.max_retries == 1


def test_write_profile_keeps_comments_and_other_tables(tmp_path: Path) -> None:
    """The writer edits the file in place (tomlkit): comments, other tables survive."""
    path = tmp_path / "config.toml"
    path.write_text(
        '# my settings\n[tool]\nx = 1\n\n[profiles.old]\napi_key = "k-old"  # keep me\n'
    )
    write_profile("new", api_key="k-new-0123456789", installation_id=5, path=path)
    text = path.read_text()
    assert "# my settings" in text
    assert "# keep me" in text
    assert "[tool]" in text
    settings = load_settings(profile="new", config_file=path, env={})
    assert settings.installation_id == 5
    assert settings.sources["installation_id"].startswith("profile 'new'")
    assert load_settings(profile="old", config_file=path, env={}).api_key is not None


@pytest.mark.parametrize(
    ("kwargs", "setting"),
    [
        ({"api_key": "k-one\nk-two"}, "credential"),
        ({"api_key": "   "}, "credential"),
        ({"api_key": "k-123", "base_url": "127.0.0.1:8080"}, "base_url"),
        ({"api_key": "k-123", "base_url": "https://x.example/api"}, "base_url"),
        ({"api_key": "k-123", "vcs": "bitbucket"}, "vcs"),
    ],
)
def test_write_profile_validates_before_writing(
    tmp_path: Path, kwargs: dict[str, str], setting: str
) -> None:
    """A bad value is refused with the setting named, and the file is left as it was."""
    path = tmp_path / "config.toml"
    before = '[profiles.default]\napi_key = "k-keep"\n'
    path.write_text(before)
    with pytest.raises(ConfigurationError) as info:
        write_profile("p", path=path, **kwargs)  # type: ignore[arg-type]
    assert info.value.setting == setting
    assert path.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]


def test_write_profile_refuses_unparsable_file(tmp_path: Path) -> None:
    """An existing file that is not TOML is not overwritten."""
    path = tmp_path / "config.toml"
    path.write_text("this is = = not toml")
    with pytest.raises(ConfigurationError, match="not valid TOML"):
        write_profile("p", api_key="k-0123456789", path=path)
    assert path.read_text() == "this is = = not toml"


def test_write_profile_round_trips_odd_strings(tmp_path: Path) -> None:
    """Quotes, backslashes and unicode in values survive a write and a read."""
    path = tmp_path / "config.toml"
    key = 'k-"quoted"\\back\\slash-ünï'
    write_profile('we"ird name', api_key=key, base_url="http://127.0.0.1:1/", path=path)
    settings = load_settings(profile='we"ird name', config_file=path, env={})
    assert settings.api_key is not None
    assert settings.api_key.get_secret_value() == key
    assert settings.base_url == "http://127.0.0.1:1"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
