"""How every program reads its settings: one TOML file plus environment variables.

Values given in code win over the environment, the environment over the file,
and the file over the defaults. A key the program does not know is an error,
not a silent default: `prot = 8104` must not leave the server on port 8000.
Mistakes are reported in one message that names the file, the line and the
field, so an installer can fix them without reading a traceback.
"""

from __future__ import annotations

import os
import re
import tomllib
from contextvars import ContextVar
from pathlib import Path
from typing import Any, ClassVar, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

_file_values: ContextVar[dict[str, Any] | None] = ContextVar("antrean_settings_file", default=None)


class SettingsError(ValueError):
    """The settings cannot be used; the message says where and why."""


class _FileSource(PydanticBaseSettingsSource):
    """The values read from the settings file by `ProgramSettings.load`."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # everything is returned at once by __call__

    def __call__(self) -> dict[str, Any]:
        return dict(_file_values.get() or {})


class ProgramSettings(BaseSettings):
    """Base of each program's settings; subclasses name their file and variables."""

    model_config = SettingsConfigDict(extra="forbid", env_nested_delimiter="__")

    program: ClassVar[str] = "antrean"
    """Used in messages: "the kiosk settings …"."""
    config_env: ClassVar[str | None] = None
    """The environment variable that names the settings file."""
    default_file: ClassVar[Path | None] = None
    """Read when it exists and no file was named."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, _FileSource(settings_cls)

    @classmethod
    def config_path(cls, given: Path | None = None) -> Path | None:
        """The file to read: the one given, else the variable's, else the default if present."""
        if given is not None:
            return given
        named = os.environ.get(cls.config_env) if cls.config_env else None
        if named:
            return Path(named)
        default = cls.default_file_path()
        return default if default is not None and default.is_file() else None

    @classmethod
    def default_file_path(cls) -> Path | None:
        return cls.default_file

    @classmethod
    def load(cls, config: Path | None = None, **values: Any) -> Self:
        """Read the settings file (if any) and the environment; `values` win over both."""
        path = cls.config_path(config)
        text = ""
        from_file: dict[str, Any] = {}
        if path is not None:
            try:
                text = path.read_text(encoding="utf-8")
                from_file = tomllib.loads(text)
            except OSError as error:
                reason = error.strerror or str(error)
                raise SettingsError(
                    f"cannot read the {cls.program} settings {path}: {reason}"
                ) from None
            except UnicodeDecodeError:
                raise SettingsError(f"{path}: not a text file (the settings are TOML)") from None
            except tomllib.TOMLDecodeError as error:
                raise SettingsError(f"{path}: not valid TOML: {error}") from None
        token = _file_values.set(from_file)
        try:
            return cls(**values)
        except ValidationError as error:
            raise SettingsError(
                explain(error, f"the {cls.program} settings are not valid", path, text, from_file)
            ) from None
        finally:
            _file_values.reset(token)


class Section(BaseModel):
    """A table of a settings file (`[printer]`, `[[counters]]`): unknown keys are errors too."""

    model_config = ConfigDict(extra="forbid")


class DeviceSettings(ProgramSettings):
    """Base of a device program's settings: which server, as which device, for which office.

    Subclasses set `env_prefix` (the configuration merges with this one's) and
    say how their token is made, for the message a device without one shows.
    """

    device: ClassVar[str] = "device"
    """Used in messages: "the keypad needs its device token"."""
    device_add: ClassVar[str] = "--kind kiosk"
    """The arguments after `antrean device add --site SITE` that make this device's token."""

    server_url: str = Field(default="http://127.0.0.1:8000", description="the queue server")
    token: SecretStr = Field(
        default=SecretStr(""), description="this device's token (antrean device add)"
    )
    site: str = Field(default="demo", pattern=r"^[A-Za-z0-9_-]{1,40}$")
    health_report_seconds: float = Field(default=60.0, gt=0)

    def require_token(self) -> None:
        """A device without a token cannot be let in: say how to make one."""
        if not self.token.get_secret_value():
            variable = f"{self.model_config.get('env_prefix', '')}TOKEN"
            raise ValueError(
                f"the {self.device} needs its device token: run `antrean device add --site "
                f"{self.site} {self.device_add}` on the server and set `token` "
                f"(or {variable})"
            )


Document = TypeVar("Document", bound=BaseModel)


def file_text(path: Path, error: type[ValueError]) -> str:
    """A file's text, or `error` saying in one line why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as problem:
        raise error(f"cannot read {path}: {problem.strerror or problem}") from None


def parse_document(
    model: type[Document], text: str, path: Path | None, what: str, error: type[ValueError]
) -> Document:
    """A TOML document (an office file, a scenario) checked against `model`; a
    mistake is raised as `error`, naming the file (or `what`), the line and the key."""
    where = str(path) if path else what
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as problem:
        raise error(f"{where}: not valid TOML: {problem}") from None
    try:
        return model.model_validate(data)
    except ValidationError as problem:
        raise error(
            explain(problem, f"{what} is not valid", path or Path(where), text, data,
                    environment=False, noun="key")
        ) from None


def explain(
    error: ValidationError,
    headline: str,
    path: Path | None,
    text: str = "",
    data: dict[str, Any] | None = None,
    *,
    environment: bool = True,
    noun: str = "setting",
) -> str:
    """One line per problem: where (file:line, or the environment) and what is wrong."""
    lines = []
    for problem in error.errors():
        location = _keys_in(data or {}, [str(part) for part in problem.get("loc", ())])
        field = _field_name(location) or "(the whole file)"
        if problem.get("type") == "extra_forbidden":
            what = f"unknown {noun} (check the spelling)"
        else:
            what = str(problem.get("msg", "invalid")).removeprefix("Value error, ")
        line = _line_of(text, location)
        while line is None and location and location[-1].isdigit():
            location = location[:-1]  # an item of a list written on one line: the key's line
            line = _line_of(text, location)
        if path is not None and line is not None:
            where = f"{path}:{line}: {field}"
        elif path is not None:
            where = f"{path}{' or the environment' if environment else ''}: {field}"
        else:
            where = f"{field} (from the environment)"
        lines.append(f"{where}: {what}")
    if len(lines) == 1:
        return f"{headline}: {lines[0]}"
    return "\n".join([f"{headline}:", *(f"  {line}" for line in lines)])


def _field_name(location: list[str]) -> str:
    name = ""
    for part in location:
        name += f"[{part}]" if part.isdigit() else (f".{part}" if name else part)
    return name


def _keys_in(data: dict[str, Any], location: list[str]) -> list[str]:
    """The location without the parts pydantic adds, such as a union's tag.

    Parts are kept while they walk down the file's own tables and arrays; the
    rest of the path is kept as given (a value that came from the environment).
    """
    keys: list[str] = []
    node: Any = data
    for part in location:
        if isinstance(node, dict) and part in node:
            keys.append(part)
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            keys.append(part)
            node = node[int(part)]
        elif isinstance(node, dict) and part in {str(v) for v in node.values()}:
            continue  # a union's tag, such as "network" in printer.network.port
        else:
            keys.append(part)
            node = None
    return keys


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]")


def _line_of(text: str, location: list[str]) -> int | None:
    """The line where a (possibly nested) key is set in a TOML text, if it can be found.

    Knows tables (`[printer]`), arrays of tables (`[[services]]`, counted so the
    third one is found for `services[2]`) and plain keys; inline tables and
    dotted keys are found only at their first line.
    """
    if not text or not location:
        return None
    # Split the location into the table it lives in and the key within it.
    table_path: list[str] = []
    rest = list(location)
    while len(rest) > 1:
        table_path.append(rest.pop(0))
    key = rest[0]
    if key.isdigit():  # a whole entry of an array of tables
        table_path.append(key)
        key = ""
    seen: dict[str, int] = {}
    current: list[str] = []
    key_line = re.compile(rf"^\s*([\"']?){re.escape(key)}\1\s*=") if key else None
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            name = header.group(2).replace('"', "").replace("'", "")
            parts = [p.strip() for p in name.split(".")]
            if header.group(1) == "[[":
                index = seen.get(name, -1) + 1
                seen[name] = index
                parts = [*parts, str(index)]
            current = parts
            if key_line is None and current == table_path:
                return number
            if key_line is not None and current == [*table_path, key]:
                return number  # the key is itself a table
            continue
        if key_line is not None and current == table_path and key_line.match(line):
            return number
    return None
