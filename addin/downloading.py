"""How the engine downloads one source key: the transport, the options a download receives, and
the checks a parse of new bytes is held to.
"""

from __future__ import annotations

import pandas as pd

from addin import frames, shape
from addin.config import Config
from addin.errors import KeyMissing
from addin.sources import REGISTRY


def transport(config: Config):
    """The transport every download of ``config`` goes through: politeness and API keys set."""
    from addin import credentials
    from addin.polite import Politeness
    from addin.transport import Transport

    sent = Transport(config, politeness=Politeness(REGISTRY.limits))
    credentials.attach(sent.session, config, REGISTRY.sources)
    return sent


def download_options(source, config: Config) -> dict[str, str]:
    """What a source's ``download`` receives besides the key: its setting, when the user set it.

    Raises:
        KeyMissing: the source needs an API key and none is set (nothing is asked).
    """
    wanted = source.credential
    if wanted is not None and not config.key(wanted.setting):
        raise KeyMissing(source.name, wanted.setting)
    value = config.settings.get(source.setting) if source.setting else None
    return {"setting": value} if value else {}


def checked_parse(source, key: str, raw) -> pd.DataFrame:
    """``source.parse(raw)`` for bytes no check has seen yet (local files too), held to the
    shape limits before the parser runs and to the frame rules after."""
    for body in shape.bodies(raw):
        shape.check(body, source.shape, source.name)
    return frames.verify(source.parse(raw), source, key)


def options_text(options: dict[str, str]) -> str:
    """The download options as kept with a head: a frame read with other ones is not trusted."""
    return repr(sorted(options.items()))
